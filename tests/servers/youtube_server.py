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
  GET  /_test/state              what the server holds (for the tests)

Faults are injected from a JSON list of rules given with --faults:
  {"on": KIND, "nth": N, "do": ACTION, ...}
KIND is token, device, insert, chunk, status, thumbnail, playlist_list,
playlist_insert or videos_list; the rule fires on the Nth request of that
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
Other options: --throttle BYTES_PER_S slows reading chunks (to kill a
worker mid-upload), --port N listens on N instead of a free port (the
server back after a test took it away), --force-private locks videos
private (unaudited API project), --processing-polls N answers
"uploaded" to N status polls before "processed", --reject REASON rejects every video.
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


class Handler(BaseHTTPRequestHandler):
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
        self.read_body()
        self.send_json(404, google_error(404, "notFound", "Not Found"))

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.state.requests.append("PUT " + url.path)
        if url.path == "/upload/youtube/v3/videos" and "upload_id" in query:
            return self.upload_put(query["upload_id"])
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
            video = self.state.videos.get(query.get("videoId"))
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
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
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
