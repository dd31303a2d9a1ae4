#!/usr/bin/python3
"""A local stand-in for the parts of Google's YouTube Data API v3 and OAuth
2.0 endpoints that dokpim uses, following Google's documented protocol:

  POST /token                    refresh_token and device_code grants
  POST /device/code              device authorization (user code)
  POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
                                 -> 200, Location: session URI
  PUT  <session URI>             Content-Range: bytes A-B/TOTAL -> 308 + Range
                                 or 200 with the video resource at the end;
                                 Content-Range: bytes */TOTAL -> status
  POST /upload/youtube/v3/thumbnails/set?videoId=ID&uploadType=media
  GET  /youtube/v3/playlistItems?part=id&playlistId=P&videoId=V
  POST /youtube/v3/playlistItems?part=snippet
  GET  /youtube/v3/videos?part=status,processingDetails&id=ID
  GET  /youtube/v3/liveStreams, liveBroadcasts      list (id= or mine=true)
  POST /youtube/v3/liveStreams, liveBroadcasts      insert
  PUT  /youtube/v3/liveBroadcasts                   update
  POST /youtube/v3/liveBroadcasts/bind, /transition (see LiveHandler)
  GET  /_rtmp/publish|update|publish_done?name=KEY  nginx-rtmp's notify
  POST /_test/stream             a stream's activity and health, by a test
  GET  /_test/state              what the server holds (for the tests)

Faults are injected from a JSON list of rules given with --faults:
  {"on": KIND, "nth": N, "do": ACTION, ...}
KIND is token, device, insert, chunk, status, thumbnail, playlist_list,
playlist_insert, videos_list, or for the live stream_list, stream_insert,
broadcast_list, broadcast_insert, broadcast_update, broadcast_bind,
broadcast_transition; the rule fires on the Nth request of that
kind (1-based; "every": true fires on each). ACTIONS:
  drop          close the connection without an answer (body read whole)
  drop_mid      read part of the chunk ("keep_fraction", default 0.5), keep
                what a real server would (whole 256 KiB units), then close
  error         answer "code" (500, 503, ...) with Google's error document
  partial       keep only "keep" bytes (rounded down to 256 KiB) of the
                chunk and answer 308 with the shorter Range
  unauthorized  401: the access token is treated as expired
  quota         403 quotaExceeded (domain youtube.quota)
  upload_limit  400 uploadLimitExceeded
  invalid_grant 400 invalid_grant on the token endpoint
  expire        404: the upload session is forgotten
  slow          wait "seconds" before answering normally
  refuse        403 with "reason" (default invalidTransition)
Other options: --throttle BYTES_PER_S slows reading chunks (to kill a
worker mid-upload), --port N listens on N instead of a free port (the
server back after a test took it away), --force-private locks videos
private (unaudited API project), --processing-polls N answers
"uploaded" to N status polls before "processed", --reject REASON rejects every video. For the live:
--stream-key KEY (a reusable stream the channel has, repeatable), --quota
N (API units a day; then quotaExceeded), --live-disabled
(liveStreamingNotEnabled).
"""
import argparse
import hashlib
import json
import os
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNIT = 256 * 1024


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.faults = []
        if args.faults:
            with open(args.faults) as f:
                self.faults = json.load(f)
        self.counts = {}
        self.tokens = set()
        self.sessions = {}  # upload_id -> dict
        self.videos = {}  # id -> dict
        self.playlist_items = []  # (playlist, video, item id)
        self.bytes_received = 0
        self.sessions_created = 0
        self.token_grants = 0
        self.device_polls = 0
        self.device_codes = {}
        self.requests = []
        self.live = LiveState()
        os.makedirs(args.data, exist_ok=True)

    def fault(self, kind):
        """Counts a request of this kind; returns the rule that fires."""
        with self.lock:
            n = self.counts.get(kind, 0) + 1
            self.counts[kind] = n
            for rule in self.faults:
                if rule.get("on") == kind and (rule.get("every") or
                                               rule.get("nth") == n):
                    return rule
        return None

    def snapshot(self):
        with self.lock:
            return {
                "videos": list(self.videos.values()),
                "sessions_created": self.sessions_created,
                "bytes_received": self.bytes_received,
                "token_grants": self.token_grants,
                "counts": dict(self.counts),
                "playlist_items": [
                    {"playlistId": p, "videoId": v, "id": i}
                    for p, v, i in self.playlist_items
                ],
                "requests": list(self.requests),
                "live": self.live.snapshot(),
            }


# Fault rules answered with one of Google's JSON errors:
# action -> (status, reason, message, domain); "error" takes its status from
# the rule's "code".
CANNED_ERRORS = {
    "error": (500, "backendError", "Backend Error", "global"),
    "unauthorized": (401, "authError", "Invalid Credentials", "global"),
    "quota": (403, "quotaExceeded",
              "The request cannot be completed because you have exceeded "
              "your quota.", "youtube.quota"),
    "upload_limit": (400, "uploadLimitExceeded",
                     "The user has exceeded the number of videos they may "
                     "upload.", "youtube.video"),
}


def google_error(code, reason, message, domain="youtube.api"):
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"domain": domain, "reason": reason,
                        "message": message}],
        }
    }


# ---- YouTube Live: liveStreams and liveBroadcasts ----
# What the stand-in follows, from the YouTube Live Streaming API reference
# (developers.google.com/youtube/v3/live/docs):
#  - liveBroadcasts resource: status.lifeCycleStatus created -> ready (bound
#    to a stream) -> testing -> live -> complete; testStarting and
#    liveStarting are passed through on the way (shown once, on the next
#    list).
#  - liveBroadcasts.transition: "to transition a broadcast to either the
#    testing or live state, the status.streamStatus must be active for the
#    stream that the broadcast is bound to" (errorStreamInactive), testing
#    only with contentDetails.monitorStream.enableMonitorStream=true;
#    redundantTransition when it is already in that state, invalidTransition
#    for a move the lifecycle does not allow (all 403).
#  - liveStreams resource: status.streamStatus created/ready/active/
#    inactive, status.healthStatus.status good/ok/bad/noData (noData while
#    nothing is received) with configurationIssues[] {type, severity,
#    reason, description}.
#  - contentDetails.enableAutoStop: YouTube completes the broadcast once the
#    stream has been inactive a while; with false it waits for an explicit
#    transition to complete.
#  - quota costs (Data API quota calculator): list 1, insert/update/bind/
#    transition 50, thumbnails.set 50.
# A stream becomes active when nginx-rtmp really receives on its stream
# name (nginx-rtmp.sh --notify points on_publish / on_update /
# on_publish_done here), or when a test says so (POST /_test/stream).
LIVE_COSTS = {"broadcast_list": 1, "stream_list": 1, "broadcast_insert": 50,
              "broadcast_update": 50, "broadcast_bind": 50,
              "broadcast_transition": 50, "stream_insert": 50}
# a publisher nginx stopped telling us about (on_update every second)
INACTIVE_AFTER = 3.0
AUTO_STOP_AFTER = 2.0  # the stand-in's short version of YouTube's wait


class LiveState:
    def __init__(self):
        self.broadcasts = {}  # id -> resource
        self.streams = {}  # id -> resource
        self.last_update = {}  # stream id -> monotonic time of last news
        self.inactive_since = {}
        self.units = 0
        self.calls = {}
        self.transitions = []  # (id, status, http code, reason)

    def add_stream(self, resource):
        """Under the state's lock. A stream as liveStreams.insert makes it
        (or as the channel's own reusable stream, --stream-key)."""
        sid = "S" + secrets.token_hex(6)
        snippet = dict(resource.get("snippet", {}))
        cdn = dict(resource.get("cdn", {}))
        name = cdn.get("ingestionInfo", {}).get("streamName") or \
            "%s-%s" % (secrets.token_hex(2), secrets.token_hex(4))
        host = "127.0.0.1"
        cdn["ingestionInfo"] = {
            "streamName": name,
            "ingestionAddress": "rtmp://%s/live2" % host,
            "backupIngestionAddress": "rtmp://%s/live2?backup=1" % host}
        cdn.setdefault("ingestionType", "rtmp")
        self.streams[sid] = {
            "kind": "youtube#liveStream", "etag": "x", "id": sid,
            "snippet": snippet, "cdn": cdn,
            "status": {"streamStatus": "ready",
                       "healthStatus": {"status": "noData",
                                        "configurationIssues": []}},
            "contentDetails": {"isReusable": True}}
        return sid

    def snapshot(self):
        return {"broadcasts": list(self.broadcasts.values()),
                "streams": list(self.streams.values()),
                "units": self.units, "calls": dict(self.calls),
                "transitions": list(self.transitions)}


def live_error(code, reason, message):
    return google_error(code, reason, message, "youtube.liveBroadcast")


def part_filter(resource, parts):
    out = {k: v for k, v in resource.items()
           if k in ("kind", "etag", "id") or k in parts}
    return json.loads(json.dumps(out))


class LiveHandler:
    """Mixed into Handler: the live endpoints."""

    def live_state(self):
        return self.server.state.live

    def live_admit(self, kind):
        """Fault rules, the token, the quota; the body, or None once
        answered."""
        state = self.state
        rule = state.fault(kind)
        if rule and rule.get("do") == "refuse":
            self.read_body()
            self.send_json(403, live_error(
                403, rule.get("reason", "invalidTransition"),
                "The transition was refused."))
            return None
        if self.apply_common(rule):
            return None
        if not self.authorized():
            self.read_body()
            return None
        body, _ = self.read_body()
        live = self.live_state()
        with state.lock:
            cost = LIVE_COSTS.get(kind, 1)
            limit = state.args.quota
            if limit and live.units + cost > limit:
                over = True
            else:
                over = False
                live.units += cost
                live.calls[kind] = live.calls.get(kind, 0) + 1
        if over:
            code, reason, message, domain = CANNED_ERRORS["quota"]
            self.send_json(code, google_error(code, reason, message, domain))
            return None
        return body

    def live_tick(self):
        """Time passes: streams nobody publishes to go inactive, broadcasts
        with enableAutoStop end, the *Starting states settle. Under the
        state lock."""
        live = self.live_state()
        now = time.monotonic()
        for sid, stream in live.streams.items():
            st = stream["status"]
            seen = live.last_update.get(sid)
            if (st["streamStatus"] == "active" and seen is not None and
                    now - seen > INACTIVE_AFTER):
                self.stream_set_active(sid, False)
        for b in live.broadcasts.values():
            status = b["status"]
            life = status["lifeCycleStatus"]
            if life == "testStarting":
                status["lifeCycleStatus"] = "testing"
            elif life == "liveStarting":
                status["lifeCycleStatus"] = "live"
            sid = b["contentDetails"].get("boundStreamId")
            since = live.inactive_since.get(sid)
            if (life == "live" and b["contentDetails"]["enableAutoStop"] and
                    since is not None and now - since > AUTO_STOP_AFTER):
                status["lifeCycleStatus"] = "complete"

    def stream_set_active(self, sid, active):
        live = self.live_state()
        st = live.streams[sid]["status"]
        if active:
            st["streamStatus"] = "active"
            if st["healthStatus"]["status"] == "noData":
                st["healthStatus"]["status"] = "good"
            live.inactive_since.pop(sid, None)
            live.last_update[sid] = time.monotonic()
        else:
            st["streamStatus"] = "inactive"
            st["healthStatus"] = {"status": "noData",
                                  "configurationIssues": []}
            live.inactive_since[sid] = time.monotonic()
            live.last_update.pop(sid, None)
        st["healthStatus"]["lastUpdateTimeSeconds"] = int(time.time())

    def stream_by_name(self, name):
        for sid, s in self.live_state().streams.items():
            if s["cdn"]["ingestionInfo"]["streamName"] == name:
                return sid
        return None

    # nginx-rtmp's notifications: 2xx lets the publish on, anything else
    # refuses it, as YouTube refuses an unknown stream key
    def rtmp_notify(self, path, query):
        call = path.rsplit("/", 1)[-1]
        with self.state.lock:
            sid = self.stream_by_name(query.get("name", ""))
            if sid is not None:
                if call in ("publish", "update"):
                    self.stream_set_active(sid, True)
                elif call == "publish_done":
                    self.stream_set_active(sid, False)
        self.read_body()
        self.send_empty(204 if sid is not None else 403)

    def test_stream(self):
        """POST /_test/stream {"streamName", "active"?, "health"?,
        "configurationIssues"?}: what a test makes YouTube see."""
        body, _ = self.read_body()
        order = json.loads(body or b"{}")
        with self.state.lock:
            sid = self.stream_by_name(order.get("streamName", ""))
            if sid is None:
                return self.send_json(404, {"error": "no such stream"})
            if "active" in order:
                self.stream_set_active(sid, bool(order["active"]))
            health = self.live_state().streams[sid]["status"]["healthStatus"]
            if "health" in order:
                health["status"] = order["health"]
            if "configurationIssues" in order:
                health["configurationIssues"] = order["configurationIssues"]
        self.send_json(200, {"id": sid})

    def streams_list(self, query):
        if self.live_admit("stream_list") is None:
            return
        parts = set(query.get("part", "").split(","))
        ids = set(filter(None, query.get("id", "").split(",")))
        if not ids and query.get("mine") != "true":
            return self.send_json(400, live_error(
                400, "incompatibleParameters", "give id or mine=true"))
        with self.state.lock:
            self.live_tick()
            items = [part_filter(s, parts)
                     for sid, s in self.live_state().streams.items()
                     if not ids or sid in ids]
        self.send_json(200, {"kind": "youtube#liveStreamListResponse",
                             "items": items,
                             "pageInfo": {"totalResults": len(items)}})

    def streams_insert(self, query):
        body = self.live_admit("stream_insert")
        if body is None:
            return
        resource = json.loads(body or b"{}")
        if not resource.get("snippet", {}).get("title"):
            return self.send_json(400, live_error(
                400, "titleRequired", "The stream needs a title."))
        with self.state.lock:
            sid = self.live_state().add_stream(resource)
            out = part_filter(self.live_state().streams[sid],
                              set(query.get("part", "").split(",")))
        self.send_json(200, out)

    def broadcasts_list(self, query):
        if self.live_admit("broadcast_list") is None:
            return
        parts = set(query.get("part", "").split(","))
        ids = set(filter(None, query.get("id", "").split(",")))
        which = query.get("broadcastStatus")
        # exactly one filter: id, mine or broadcastStatus
        if not ids and not which and query.get("mine") != "true":
            return self.send_json(400, live_error(
                400, "incompatibleParameters", "give id, mine or "
                "broadcastStatus"))
        wanted = {"upcoming": ("created", "ready", "testStarting",
                               "testing"),
                  "active": ("liveStarting", "live"),
                  "completed": ("complete",)}.get(which)
        with self.state.lock:
            self.live_tick()
            items = [part_filter(b, parts)
                     for bid, b in self.live_state().broadcasts.items()
                     if (not ids or bid in ids) and
                     (wanted is None or
                      b["status"]["lifeCycleStatus"] in wanted)]
        if ids and not items:
            return self.send_json(200, {
                "kind": "youtube#liveBroadcastListResponse", "items": []})
        self.send_json(200, {"kind": "youtube#liveBroadcastListResponse",
                             "items": items,
                             "pageInfo": {"totalResults": len(items)}})

    def broadcasts_insert(self, query):
        body = self.live_admit("broadcast_insert")
        if body is None:
            return
        if self.state.args.live_disabled:
            return self.send_json(403, live_error(
                403, "liveStreamingNotEnabled", "The user is not enabled "
                "for live streaming."))
        try:
            resource = json.loads(body or b"{}")
        except ValueError:
            return self.send_json(400, google_error(
                400, "parseError", "Parse Error", "global"))
        snippet = dict(resource.get("snippet", {}))
        status = dict(resource.get("status", {}))
        details = dict(resource.get("contentDetails", {}))
        if not snippet.get("title"):
            return self.send_json(400, live_error(
                400, "invalidTitle", "The broadcast needs a title."))
        if not snippet.get("scheduledStartTime"):
            return self.send_json(400, live_error(
                400, "invalidScheduledStartTime",
                "scheduledStartTime is required."))
        if status.get("privacyStatus") not in ("public", "unlisted",
                                               "private"):
            return self.send_json(400, live_error(
                400, "invalidPrivacyStatus", "privacyStatus is required."))
        monitor = dict(details.get("monitorStream", {}))
        monitor.setdefault("enableMonitorStream", True)
        details["monitorStream"] = monitor
        # the stand-in's defaults for a request without them (dokpim
        # always sends both)
        details.setdefault("enableAutoStart", False)
        details.setdefault("enableAutoStop", False)
        bid = secrets.token_urlsafe(8)[:11]
        status["lifeCycleStatus"] = "created"
        with self.state.lock:
            self.live_state().broadcasts[bid] = {
                "kind": "youtube#liveBroadcast", "etag": "x", "id": bid,
                "snippet": snippet, "status": status,
                "contentDetails": details, "thumbnail_sha256": None}
            out = part_filter(self.live_state().broadcasts[bid],
                              set(query.get("part", "").split(",")))
        self.send_json(200, out)

    def broadcasts_update(self, query):
        body = self.live_admit("broadcast_update")
        if body is None:
            return
        resource = json.loads(body or b"{}")
        with self.state.lock:
            b = self.live_state().broadcasts.get(resource.get("id"))
            if b is not None:
                for part in set(query.get("part", "").split(",")):
                    if part in ("snippet", "status", "contentDetails"):
                        b[part].update(resource.get(part, {}))
                out = part_filter(b, set(query.get("part", "").split(",")))
        if b is None:
            return self.send_json(404, live_error(
                404, "liveBroadcastNotFound", "Broadcast not found"))
        self.send_json(200, out)

    def broadcasts_bind(self, query):
        if self.live_admit("broadcast_bind") is None:
            return
        live = self.live_state()
        with self.state.lock:
            b = live.broadcasts.get(query.get("id"))
            sid = query.get("streamId")
            if b is not None and sid and sid not in live.streams:
                return self.send_json(404, live_error(
                    404, "liveStreamNotFound", "Stream not found"))
            if b is not None:
                if b["status"]["lifeCycleStatus"] not in ("created",
                                                          "ready"):
                    return self.send_json(403, live_error(
                        403, "invalidTransition", "A broadcast that has "
                        "started cannot be bound again."))
                if sid:
                    b["contentDetails"]["boundStreamId"] = sid
                    b["status"]["lifeCycleStatus"] = "ready"
                else:
                    b["contentDetails"].pop("boundStreamId", None)
                    b["status"]["lifeCycleStatus"] = "created"
                out = part_filter(b, set(query.get("part", "").split(",")))
        if b is None:
            return self.send_json(404, live_error(
                404, "liveBroadcastNotFound", "Broadcast not found"))
        self.send_json(200, out)

    def broadcasts_transition(self, query):
        if self.live_admit("broadcast_transition") is None:
            return
        live = self.live_state()
        target = query.get("broadcastStatus")
        bid = query.get("id")
        with self.state.lock:
            self.live_tick()
            b = live.broadcasts.get(bid)
            answer = self.judge_transition(b, target)
            if answer is None:
                b["status"]["lifeCycleStatus"] = {
                    "testing": "testStarting", "live": "liveStarting",
                    "complete": "complete"}[target]
                out = part_filter(b, set(query.get("part", "").split(",")))
            live.transitions.append(
                [bid, target, answer[0] if answer else 200,
                 answer[1] if answer else None])
        if answer:
            code, reason, message = answer
            return self.send_json(code, live_error(code, reason, message))
        self.send_json(200, out)

    def judge_transition(self, b, target):
        """Under the lock: None when allowed, else (code, reason, text)."""
        if b is None:
            return (404, "liveBroadcastNotFound", "Broadcast not found")
        if target not in ("testing", "live", "complete"):
            return (400, "invalidValue", "broadcastStatus")
        life = b["status"]["lifeCycleStatus"]
        settled = {"testStarting": "testing",
                   "liveStarting": "live"}.get(life, life)
        if settled == target:
            return (403, "redundantTransition", "The broadcast is already "
                    "in the requested status.")
        allowed = {"testing": ("ready",), "live": ("ready", "testing"),
                   "complete": ("testing", "live")}[target]
        if life not in allowed:
            return (403, "invalidTransition", "The broadcast cannot move "
                    "from %s to %s." % (life, target))
        monitor = b["contentDetails"]["monitorStream"]["enableMonitorStream"]
        if target == "testing" and not monitor:
            return (403, "invalidTransition", "Testing needs the monitor "
                    "stream.")
        if target in ("testing", "live"):
            sid = b["contentDetails"].get("boundStreamId")
            stream = self.live_state().streams.get(sid)
            if not stream or stream["status"]["streamStatus"] != "active":
                return (403, "errorStreamInactive", "The bound stream is "
                        "not active.")
        return None


class Handler(LiveHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "youtube-standin/1"

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("youtube-standin: " + fmt % args + "\n")

    # ---- helpers ----
    @property
    def state(self):
        return self.server.state

    def send_json(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_empty(self, code, headers=None):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self, limit=None):
        length = int(self.headers.get("Content-Length") or 0)
        want = length if limit is None else min(limit, length)
        chunks = []
        while want > 0:
            piece = self.rfile.read(min(want, 1 << 20))
            if not piece:
                break
            chunks.append(piece)
            want -= len(piece)
        data = b"".join(chunks)
        return data, length

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        with self.state.lock:
            ok = token in self.state.tokens
        if not ok:
            self.send_json(401, google_error(
                401, "authError", "Invalid Credentials", "global"))
        return ok

    def admit(self, kind):
        """Applies the fault rule for this kind of request, then checks the
        access token; returns the body when the handler goes on, None once
        the request has been answered."""
        if self.apply_common(self.state.fault(kind)):
            return None
        if not self.authorized():
            self.read_body()
            return None
        body, _ = self.read_body()
        return body

    def apply_common(self, rule):
        """Handles the actions every kind shares; True when answered."""
        if not rule:
            return False
        action = rule.get("do")
        if action == "slow":
            time.sleep(float(rule.get("seconds", 2)))
            return False
        if action == "drop":
            self.read_body()
            self.drop()
            return True
        if action in CANNED_ERRORS:
            self.read_body()
            code, reason, message, domain = CANNED_ERRORS[action]
            code = int(rule.get("code", code))
            if action == "unauthorized":  # the access token was revoked
                with self.state.lock:
                    self.state.tokens.clear()
            self.send_json(code, google_error(code, reason, message, domain))
            return True
        return False

    # ---- dispatch ----
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.state.requests.append("GET " + url.path)
        if url.path == "/_test/state":
            return self.send_json(200, self.state.snapshot())
        if url.path == "/youtube/v3/videos":
            return self.videos_list(query)
        if url.path == "/youtube/v3/playlistItems":
            return self.playlist_list(query)
        if url.path == "/youtube/v3/liveBroadcasts":
            return self.broadcasts_list(query)
        if url.path == "/youtube/v3/liveStreams":
            return self.streams_list(query)
        if url.path.startswith("/_rtmp/"):
            return self.rtmp_notify(url.path, query)
        self.send_json(404, google_error(404, "notFound", "Not Found"))

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.state.requests.append("POST " + url.path)
        if url.path == "/token":
            return self.token()
        if url.path == "/device/code":
            return self.device_code()
        if url.path == "/upload/youtube/v3/videos":
            return self.insert(query)
        if url.path == "/upload/youtube/v3/thumbnails/set":
            return self.thumbnail(query)
        if url.path == "/youtube/v3/playlistItems":
            return self.playlist_insert(query)
        if url.path == "/youtube/v3/liveBroadcasts":
            return self.broadcasts_insert(query)
        if url.path == "/youtube/v3/liveBroadcasts/bind":
            return self.broadcasts_bind(query)
        if url.path == "/youtube/v3/liveBroadcasts/transition":
            return self.broadcasts_transition(query)
        if url.path == "/youtube/v3/liveStreams":
            return self.streams_insert(query)
        if url.path.startswith("/_rtmp/"):
            return self.rtmp_notify(url.path, query)
        if url.path == "/_test/stream":
            return self.test_stream()
        self.read_body()
        self.send_json(404, google_error(404, "notFound", "Not Found"))

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.state.requests.append("PUT " + url.path)
        if url.path == "/upload/youtube/v3/videos" and "upload_id" in query:
            return self.upload_put(query["upload_id"])
        if url.path == "/youtube/v3/liveBroadcasts":
            return self.broadcasts_update(query)
        self.read_body()
        self.send_json(404, google_error(404, "notFound", "Not Found"))

    # ---- OAuth ----
    def token(self):
        rule = self.state.fault("token")
        body, _ = self.read_body()
        form = dict(urllib.parse.parse_qsl(body.decode()))
        args = self.state.args
        if rule and rule.get("do") == "invalid_grant":
            return self.send_json(400, {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked."})
        if rule and rule.get("do") == "error":
            return self.send_json(int(rule.get("code", 500)),
                                  {"error": "internal_failure"})
        if (form.get("client_id") != args.client_id or
                form.get("client_secret") != args.client_secret):
            return self.send_json(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("refresh_token") != args.refresh_token:
                return self.send_json(400, {
                    "error": "invalid_grant",
                    "error_description": "Bad Request"})
            return self.grant_access()
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            code = form.get("device_code")
            with self.state.lock:
                polls = self.state.device_codes.get(code)
                if polls is not None:
                    self.state.device_codes[code] = polls + 1
            if polls is None:
                return self.send_json(400, {"error": "invalid_grant"})
            if polls < 1:  # the user has not typed the code yet
                return self.send_json(428, {
                    "error": "authorization_pending",
                    "error_description": "Precondition Required"})
            return self.grant_access(args.refresh_token)
        self.send_json(400, {"error": "unsupported_grant_type"})

    def grant_access(self, refresh=None):
        token = "ya29." + secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens.add(token)
            self.state.token_grants += 1
        answer = {"access_token": token, "expires_in": 3599,
                  "token_type": "Bearer",
                  "scope": "https://www.googleapis.com/auth/youtube"}
        if refresh:
            answer["refresh_token"] = refresh
        self.send_json(200, answer)

    def device_code(self):
        self.state.fault("device")
        body, _ = self.read_body()
        form = dict(urllib.parse.parse_qsl(body.decode()))
        if form.get("client_id") != self.state.args.client_id:
            return self.send_json(401, {"error": "invalid_client"})
        code = "dc-" + secrets.token_hex(8)
        with self.state.lock:
            self.state.device_codes[code] = 0
        self.send_json(200, {
            "device_code": code, "user_code": "GQVQ-JKEC",
            "verification_url": "https://www.google.com/device",
            "expires_in": 1800, "interval": 1})

    # ---- videos.insert, resumable ----
    def insert(self, query):
        body = self.admit("insert")
        if body is None:
            return
        if query.get("uploadType") != "resumable":
            return self.send_json(400, google_error(
                400, "badRequest", "uploadType must be resumable"))
        parts = set(query.get("part", "").split(","))
        try:
            resource = json.loads(body or b"{}")
        except ValueError:
            return self.send_json(400, google_error(
                400, "parseError", "Parse Error", "global"))
        total = self.headers.get("X-Upload-Content-Length")
        if total is None or not total.isdigit():
            return self.send_json(400, google_error(
                400, "badRequest", "X-Upload-Content-Length is required"))
        title = resource.get("snippet", {}).get("title", "")
        if not title or len(title) > 100 or "<" in title or ">" in title:
            return self.send_json(400, google_error(
                400, "invalidTitle", "The request metadata specifies an "
                "invalid video title."))
        if "snippet" not in parts or "status" not in parts:
            return self.send_json(400, google_error(
                400, "unexpectedPart", "part must name snippet,status"))
        upload_id = secrets.token_urlsafe(18)
        path = os.path.join(self.state.args.data, upload_id + ".part")
        open(path, "wb").close()
        with self.state.lock:
            self.state.sessions[upload_id] = {
                "total": int(total), "received": 0, "path": path,
                "resource": resource, "video": None,
                "lock": threading.Lock()}
            self.state.sessions_created += 1
        host = "127.0.0.1:%d" % self.server.server_address[1]
        location = ("http://%s/upload/youtube/v3/videos?uploadType=resumable"
                    "&upload_id=%s" % (host, upload_id))
        self.send_empty(200, {"Location": location})

    def range_header(self, session):
        if session["received"] == 0:
            return {}
        return {"Range": "bytes=0-%d" % (session["received"] - 1)}

    def upload_put(self, upload_id):
        with self.state.lock:
            session = self.state.sessions.get(upload_id)
        if session is None:
            return self.upload_put_locked(upload_id, None)
        # one request at a time per session, as Google serialises them: a
        # status query waits until a killed client's chunk is settled
        with session["lock"]:
            return self.upload_put_locked(upload_id, session)

    def upload_put_locked(self, upload_id, session):
        content_range = self.headers.get("Content-Range", "")
        is_status = content_range.startswith("bytes */")
        rule = self.state.fault("status" if is_status else "chunk")
        if session is None or (rule and rule.get("do") == "expire"):
            self.read_body()
            with self.state.lock:
                self.state.sessions.pop(upload_id, None)
            return self.send_json(404, google_error(
                404, "notFound", "The upload session was not found or has "
                "expired."))
        if rule and rule.get("do") in ("drop_mid", "partial"):
            return self.chunk_fault(session, rule, content_range)
        if self.apply_common(rule):
            return
        if is_status:
            self.read_body()
            return self.answer_progress(session)
        try:
            spec, total = content_range[len("bytes "):].split("/")
            first, last = (int(x) for x in spec.split("-"))
            total = int(total)
        except ValueError:
            self.read_body()
            return self.send_json(400, google_error(
                400, "badRequest", "bad Content-Range"))
        length = int(self.headers.get("Content-Length") or 0)
        if (total != session["total"] or last - first + 1 != length or
                first > session["received"]):
            self.read_body()
            return self.send_json(400, google_error(
                400, "badRequest", "Content-Range does not match the "
                "upload (have %d bytes)" % session["received"]))
        if length % UNIT and last + 1 != total:
            self.read_body()
            return self.send_json(400, google_error(
                400, "badRequest", "chunks must be multiples of 256 KiB"))
        self.store(session, first, length)
        self.answer_progress(session)

    def store(self, session, first, length, keep=None):
        """Reads length body bytes; writes the first keep of them at
        first. Returns False when the client went away."""
        keep = length if keep is None else keep
        throttle = self.state.args.throttle
        started = time.monotonic()
        done = 0
        with open(session["path"], "r+b") as f:
            f.seek(first)
            f.truncate(first)
            while done < length:
                piece = self.rfile.read(min(length - done, 1 << 20))
                if not piece:
                    break
                with self.state.lock:
                    self.state.bytes_received += len(piece)
                if done < keep:
                    f.write(piece[:keep - done])
                done += len(piece)
                if throttle:
                    ahead = done / throttle - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
            kept = min(done, keep)
            # a server persists what it received, in whole units
            if kept < length and first + kept < session["total"]:
                kept -= kept % UNIT
            f.truncate(first + kept)
        session["received"] = first + kept
        return done == length

    def chunk_fault(self, session, rule, content_range):
        try:
            spec = content_range[len("bytes "):].split("/")[0]
            first = int(spec.split("-")[0])
        except ValueError:
            first = session["received"]
        length = int(self.headers.get("Content-Length") or 0)
        if rule["do"] == "drop_mid":
            part = int(length * float(rule.get("keep_fraction", 0.5)))
            self.store(session, first, part, keep=part - part % UNIT)
            return self.drop()
        keep = int(rule.get("keep", UNIT))
        keep -= keep % UNIT
        self.store(session, first, length, keep=min(keep, length))
        self.send_empty(308, self.range_header(session))

    def answer_progress(self, session):
        if session["received"] < session["total"]:
            return self.send_empty(308, self.range_header(session))
        with self.state.lock:
            if session["video"] is None:
                session["video"] = self.create_video(session)
            video = self.state.videos[session["video"]]
        self.send_json(200, self.resource(video))

    def create_video(self, session):
        video_id = secrets.token_urlsafe(8)[:11]
        final = os.path.join(self.state.args.data, video_id + ".bin")
        os.rename(session["path"], final)
        h = hashlib.sha256()
        with open(final, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        resource = session["resource"]
        privacy = resource.get("status", {}).get("privacyStatus", "public")
        self.state.videos[video_id] = {
            "id": video_id, "size": os.path.getsize(final),
            "sha256": h.hexdigest(), "snippet": resource.get("snippet", {}),
            "status": dict(resource.get("status", {})),
            "privacy": "private" if self.state.args.force_private
            else privacy,
            "thumbnail_sha256": None, "polls": 0}
        return video_id

    def resource(self, video):
        return {"kind": "youtube#video", "etag": "x", "id": video["id"],
                "snippet": video["snippet"],
                "status": {"uploadStatus": "uploaded",
                           "privacyStatus": video["privacy"]}}

    # ---- after the upload ----
    def thumbnail(self, query):
        body = self.admit("thumbnail")
        if body is None:
            return
        with self.state.lock:
            video = self.state.videos.get(query.get("videoId")) or \
                self.state.live.broadcasts.get(query.get("videoId"))
            if video:
                video["thumbnail_sha256"] = hashlib.sha256(body).hexdigest()
        if not video:
            return self.send_json(404, google_error(
                404, "videoNotFound", "The video was not found."))
        self.send_json(200, {"kind": "youtube#thumbnailSetResponse",
                             "items": [{"default": {"url": "x"}}]})

    def playlist_list(self, query):
        rule = self.state.fault("playlist_list")
        if self.apply_common(rule) or not self.authorized():
            return
        with self.state.lock:
            items = [{"kind": "youtube#playlistItem", "id": i}
                     for p, v, i in self.state.playlist_items
                     if p == query.get("playlistId") and
                     v == query.get("videoId")]
        self.send_json(200, {"kind": "youtube#playlistItemListResponse",
                             "items": items})

    def playlist_insert(self, query):
        body = self.admit("playlist_insert")
        if body is None:
            return
        snippet = json.loads(body or b"{}").get("snippet", {})
        playlist = snippet.get("playlistId")
        video = snippet.get("resourceId", {}).get("videoId")
        if not playlist or video not in self.state.videos:
            return self.send_json(404, google_error(
                404, "playlistNotFound", "The playlist was not found."))
        item = "PLI" + secrets.token_hex(6)
        with self.state.lock:
            self.state.playlist_items.append((playlist, video, item))
        self.send_json(200, {"kind": "youtube#playlistItem", "id": item,
                             "snippet": snippet})

    def videos_list(self, query):
        rule = self.state.fault("videos_list")
        if self.apply_common(rule) or not self.authorized():
            return
        items = []
        with self.state.lock:
            video = self.state.videos.get(query.get("id"))
            if video:
                video["polls"] += 1
                args = self.state.args
                done = video["polls"] > args.processing_polls
                status = {"privacyStatus": video["privacy"],
                          "uploadStatus": "uploaded"}
                details = {"processingStatus": "processing"}
                if done and args.reject:
                    status["uploadStatus"] = "rejected"
                    status["rejectionReason"] = args.reject
                    details["processingStatus"] = "terminated"
                elif done:
                    status["uploadStatus"] = "processed"
                    details["processingStatus"] = "succeeded"
                items.append({"kind": "youtube#video", "id": video["id"],
                              "status": status,
                              "processingDetails": details})
        self.send_json(200, {"kind": "youtube#videoListResponse",
                             "items": items})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0,
                   help="listen here (a test bringing the server back)")
    p.add_argument("--data", required=True)
    p.add_argument("--faults")
    p.add_argument("--client-id", default="test-client.apps")
    p.add_argument("--client-secret", default="test-secret")
    p.add_argument("--refresh-token", default="test-refresh-token")
    p.add_argument("--throttle", type=float, default=0)
    p.add_argument("--force-private", action="store_true")
    p.add_argument("--processing-polls", type=int, default=1)
    p.add_argument("--reject")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--quota", type=int, default=0,
                   help="live API units a day (0: no limit)")
    p.add_argument("--live-disabled", action="store_true",
                   help="the channel may not stream (liveStreamingNotEnabled)")
    p.add_argument("--stream-key", action="append", default=[],
                   help="a reusable stream the channel already has")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    for key in args.stream_key:
        server.state.live.add_stream({"snippet": {"title": "dokpim"},
                                        "cdn": {"ingestionInfo":
                                                {"streamName": key}}})
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
