#!/usr/bin/python3
"""live.youtube with broadcast=create|reuse: real lives pushed to nginx-rtmp,
with the YouTube stand-in (tests/servers/youtube_server.py) as the Data API.
nginx tells the stand-in when it really receives the stream (--notify), so
a stream is "active" on the stand-in only while the push arrives.

  test_live_youtube_broadcast.py [CASE]   one case (ctest runs each alone)
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SOURCE = os.environ.get("DOKPIM_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "../../.."))
DOKPIM = os.environ.get("DOKPIM_BIN", "dokpim")
SERVERS = os.path.join(SOURCE, "tests/servers")
EVENT = os.path.join(SOURCE, "assets/sample-event/event.ini")
PIPELINE = os.path.join(SOURCE, "pipelines/live-youtube.conf")
TITLE = "Rapat Koordinasi Penanganan Sampah Se-Kabupaten Badung"
KEY = "k3y-" + os.urandom(6).hex()  # must never show up in any output


class Rig:
    """The stand-in and nginx-rtmp, in a folder of their own."""

    def __init__(self, tmp, standin_args=(), faults=None):
        self.tmp = tmp
        args = ["--stream-key", KEY] + list(standin_args)
        if faults:
            path = os.path.join(tmp, "faults.json")
            with open(path, "w") as f:
                json.dump(faults, f)
            args += ["--faults", path]
        out = subprocess.check_output(
            [os.path.join(SERVERS, "youtube-standin.sh"),
             os.path.join(tmp, "yt")] + args, text=True)
        port, pid = out.split()
        self.port, self.standin_pid = int(port), int(pid)
        self.api = "http://127.0.0.1:%d" % self.port
        self.nginx_dir = os.path.join(tmp, "nginx")
        self.start_nginx()
        self.key_file = os.path.join(tmp, "key")
        with open(self.key_file, "w") as f:
            f.write(KEY + "\n")
        os.chmod(self.key_file, 0o600)
        self.oauth = self.oauth_file("test-refresh-token")

    def oauth_file(self, refresh, name="oauth.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump({"client_id": "test-client.apps",
                       "client_secret": "test-secret",
                       "refresh_token": refresh,
                       "token_uri": self.api + "/token"}, f)
        os.chmod(path, 0o600)
        return path

    def start_nginx(self):
        out = subprocess.check_output(
            [os.path.join(SERVERS, "nginx-rtmp/nginx-rtmp.sh"), "start",
             self.nginx_dir, "--notify", self.api + "/_rtmp"], text=True)
        env = dict(line.split("=", 1) for line in out.split())
        self.rtmp_url = env["RTMP_URL"]

    def stop_nginx(self):
        subprocess.check_call([os.path.join(SERVERS,
                                            "nginx-rtmp/nginx-rtmp.sh"),
                               "stop", self.nginx_dir])

    def close(self):
        self.stop_nginx()
        try:
            os.kill(self.standin_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def state(self):
        with urllib.request.urlopen(self.api + "/_test/state") as r:
            return json.load(r)["live"]

    def tell(self, order):
        req = urllib.request.Request(self.api + "/_test/stream",
                                     data=json.dumps(order).encode(),
                                     method="POST")
        urllib.request.urlopen(req).read()

    def token(self):
        body = ("grant_type=refresh_token&client_id=test-client.apps&"
                "client_secret=test-secret&refresh_token=test-refresh-token")
        with urllib.request.urlopen(self.api + "/token",
                                    data=body.encode()) as r:
            return json.load(r)["access_token"]

    def schedule(self, title, start):
        """A broadcast scheduled by the crew in YouTube Studio."""
        body = {"snippet": {"title": title, "scheduledStartTime": start},
                "status": {"privacyStatus": "public"},
                "contentDetails": {"enableAutoStop": False,
                                   "monitorStream":
                                   {"enableMonitorStream": False}}}
        req = urllib.request.Request(
            self.api + "/youtube/v3/liveBroadcasts?part=id,snippet,status",
            data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + self.token(),
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)["id"]

    def live(self, duration, mode="create", oauth=None, extra=(),
             command="live"):
        """Starts `dokpim live --json`; returns the process."""
        args = [DOKPIM, command, PIPELINE, "--event", EVENT]
        if command == "live":
            args += ["-o", os.path.join(self.tmp, "lib"), "--json",
                     "--duration", str(duration)]
        for opt in ("url=" + self.rtmp_url, "key-file=" + self.key_file,
                    "broadcast=" + mode, "oauth-file=" + (oauth or self.oauth),
                    "api-base=" + self.api, "broadcast-poll=1",
                    "broadcast-start=09:30") + tuple(extra):
            args += ["--set", "youtube." + opt]
        return subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, cwd=self.tmp)


def finish(proc, timeout=40):
    out, err = proc.communicate(timeout=timeout)
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return proc.returncode, lines, out + err


def messages(lines, subject="youtube"):
    return [l["message"] for l in lines
            if l["type"] == "event" and l["subject"] == subject]


def wait_for(what, seconds=15):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    return None


class BroadcastTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dokpim-ytlive-")
        self.rig = None

    def tearDown(self):
        if self.rig:
            self.rig.close()
        # kept when the case failed, for its logs (nginx's, the stand-in's)
        failed = any(error for case, error in
                     self._outcome.result.failures +
                     self._outcome.result.errors
                     if case is self)
        if not failed:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def make_rig(self, *args, **kw):
        self.rig = Rig(self.tmp, *args, **kw)
        return self.rig

    def assert_no_secret(self, text):
        self.assertNotIn(KEY, text)
        self.assertNotIn("ya29.", text)  # the stand-in's access tokens
        self.assertNotIn("test-refresh-token", text)
        self.assertNotIn("test-secret", text)

    def wait_live(self, proc):
        """Until the broadcast is live on the stand-in; a live that ended
        before fails the test with what it said."""
        ok = wait_for(lambda: proc.poll() is not None or any(
            b["status"]["lifeCycleStatus"] == "live"
            for b in self.rig.state()["broadcasts"]))
        if not ok or proc.poll() is not None:
            out, err = proc.communicate()
            self.fail("the broadcast did not go live: " + out + err)

    def only_broadcast(self):
        broadcasts = self.rig.state()["broadcasts"]
        self.assertEqual(len(broadcasts), 1)
        return broadcasts[0]

    def test_create_goes_live_and_completes(self):
        rig = self.make_rig()
        logo = os.path.join(SOURCE, "assets/logo/dokpim-logo.png")
        proc = rig.live(9, extra=["broadcast-thumbnail=" + logo])
        # YouTube's health changes while live: it reaches --json
        self.wait_live(proc)
        rig.tell({"streamName": KEY, "health": "bad",
                  "configurationIssues": [
                      {"type": "videoBitrateLow", "severity": "warning",
                       "reason": "Low bitrate",
                       "description": "The bitrate is too low."}]})
        rc, lines, text = finish(proc)
        self.assertEqual(rc, 0, text)
        b = self.only_broadcast()
        self.assertEqual(b["status"]["lifeCycleStatus"], "complete")
        self.assertEqual(b["snippet"]["title"], TITLE)
        self.assertEqual(b["snippet"]["scheduledStartTime"],
                         "2025-03-14T01:30:00Z")  # 09:30 WITA
        self.assertEqual(b["status"]["privacyStatus"], "unlisted")
        self.assertIs(b["contentDetails"]["enableAutoStop"], False)
        self.assertIs(b["contentDetails"]["enableAutoStart"], False)
        self.assertEqual(b["contentDetails"]["boundStreamId"],
                         rig.state()["streams"][0]["id"])
        with open(logo, "rb") as f:
            self.assertEqual(b["thumbnail_sha256"],
                             hashlib.sha256(f.read()).hexdigest())
        done = [t[1] for t in rig.state()["transitions"] if t[2] == 200]
        self.assertEqual(done, ["live", "complete"])
        status = [l for l in lines if l["type"] == "status"]
        healths = [l.get("youtube_health") for l in status]
        self.assertIn("good", healths)
        self.assertIn("bad", healths)
        bad = [l for l in status if l.get("youtube_health") == "bad"][-1]
        self.assertEqual(bad["youtube_issues"][0]["type"], "videoBitrateLow")
        said = messages(lines)
        self.assertTrue(any("health: bad; issues: videoBitrateLow" in m
                            for m in said), said)
        self.assertTrue(any(m.endswith("complete") for m in said), said)
        self.assert_no_secret(text)

    def test_reuse_finds_the_scheduled_one(self):
        rig = self.make_rig()
        scheduled = rig.schedule(TITLE, "2025-03-14T01:30:00Z")
        rc, lines, text = finish(rig.live(6, mode="reuse"))
        self.assertEqual(rc, 0, text)
        b = self.only_broadcast()  # no second insert
        self.assertEqual(b["id"], scheduled)
        self.assertEqual(rig.state()["calls"]["broadcast_insert"], 1)
        self.assertEqual(b["status"]["lifeCycleStatus"], "complete")
        self.assertTrue(any("found" in m for m in messages(lines)))
        self.assert_no_secret(text)

    def test_reuse_without_one_refuses_the_live(self):
        rig = self.make_rig()
        rc, lines, text = finish(rig.live(5, mode="reuse"))
        self.assertNotEqual(rc, 0)
        self.assertIn("no upcoming YouTube broadcast", text)
        self.assertNotIn("on air", text)
        self.assertEqual(rig.state()["broadcasts"], [])

    def test_dropped_ingest_does_not_complete(self):
        rig = self.make_rig()
        proc = rig.live(16)
        self.wait_live(proc)
        rig.stop_nginx()
        # the stand-in sees the stream inactive after 3 s; with
        # enableAutoStop it would complete the broadcast 2 s later
        self.assertTrue(wait_for(
            lambda: rig.state()["streams"][0]["status"]["streamStatus"] ==
            "inactive", 8))
        time.sleep(3)
        self.assertEqual(self.only_broadcast()["status"]["lifeCycleStatus"],
                         "live")
        rig.start_nginx()
        self.assertTrue(wait_for(
            lambda: rig.state()["streams"][0]["status"]["streamStatus"] ==
            "active", 8))
        rc, lines, text = finish(proc)
        self.assertEqual(rc, 0, text)
        self.assertEqual(self.only_broadcast()["status"]["lifeCycleStatus"],
                         "complete")
        done = [t[1] for t in rig.state()["transitions"] if t[2] == 200]
        self.assertEqual(done, ["live", "complete"])
        status = [l for l in lines if l["type"] == "status"]
        self.assertIn("noData", [l.get("youtube_health") for l in status])

    def test_restart_mid_event_is_redundant_transition(self):
        rig = self.make_rig()
        first = rig.live(30)
        self.wait_live(first)
        first.kill()  # a crash: nothing completes the broadcast
        first.communicate()
        rc, lines, text = finish(rig.live(6))
        self.assertEqual(rc, 0, text)
        b = self.only_broadcast()  # the same broadcast carried on
        self.assertEqual(b["status"]["lifeCycleStatus"], "complete")
        refused = [t[3] for t in rig.state()["transitions"] if t[2] != 200]
        self.assertEqual(refused, ["redundantTransition"])
        self.assertTrue(any("was live already" in m
                            for m in messages(lines)), messages(lines))

    def test_quota_spent_the_live_goes_on(self):
        rig = self.make_rig(["--quota", "1"])
        rc, lines, text = finish(rig.live(5))
        self.assertEqual(rc, 0, text)
        said = messages(lines)
        self.assertEqual(len([m for m in said if "quota" in m]), 1, said)
        self.assertTrue(any(m.startswith("live on") for m in
                            messages(lines, "primary")))
        last = [l for l in lines if l["type"] == "status"][-1]
        self.assertGreater(last["outputs"][0]["bytes_sent"], 0)
        self.assertEqual(rig.state()["broadcasts"], [])

    def test_quota_spent_mid_live(self):
        # stream list 1 + broadcast lists 2 + insert 50 + bind 50: the
        # setup fits; the transition to live does not
        rig = self.make_rig(["--quota", "110"])
        rc, lines, text = finish(rig.live(6))
        self.assertEqual(rc, 0, text)
        said = messages(lines)
        self.assertEqual(len([m for m in said if "quota" in m]), 1, said)
        self.assertEqual(self.only_broadcast()["status"]["lifeCycleStatus"],
                         "ready")

    def test_transition_failure_is_one_warning(self):
        rig = self.make_rig(faults=[{"on": "broadcast_transition", "nth": 1,
                                     "do": "error", "code": 503}])
        rc, lines, text = finish(rig.live(9))
        self.assertEqual(rc, 0, text)
        said = messages(lines)
        self.assertEqual(len([m for m in said if "going live failed" in m]),
                         1, said)
        # tried again after the wait, and then live and completed
        self.assertEqual(self.only_broadcast()["status"]["lifeCycleStatus"],
                         "complete")

    def test_bad_credentials_refused_before_going_live(self):
        rig = self.make_rig()
        bad = rig.oauth_file("revoked-token", "bad.json")
        rc, lines, text = finish(rig.live(5, oauth=bad))
        self.assertNotEqual(rc, 0)
        self.assertIn("dokpim youtube auth", text)
        self.assertNotIn("on air", text)
        self.assert_no_secret(text)
        # `dokpim check` refuses a credentials file others can read
        os.chmod(bad, 0o644)
        proc = rig.live(0, oauth=bad, command="check")
        rc, _, text = finish(proc)
        self.assertNotEqual(rc, 0)
        self.assertIn("bad.json", text)


if __name__ == "__main__":
    argv = sys.argv[:1] + ["BroadcastTest." + a for a in sys.argv[1:]]
    unittest.main(argv=argv, verbosity=2)
