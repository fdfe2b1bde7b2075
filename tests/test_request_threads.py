"""REST requests run on reused threads (talo_project/request_threads.py): Django's ASGI handler
would start a thread for every request and another to join it. Seen from outside as the server
process's thread ids (/proc/<pid>/task), watched while a hundred requests run one after another:
no new ones appear."""

import os
import threading

import httpx


def thread_ids(pid):
    return set(os.listdir(f"/proc/{pid}/task"))


def test_a_hundred_rest_requests_start_no_thread(api):
    token = api.key(api.game(), "read:players")
    pid = api.server.process.pid
    with httpx.Client(base_url=api.server.http, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for _ in range(20):  # the process has every thread a request uses
            assert client.post("/v1/socket-tickets").status_code == 200
        before = thread_ids(pid)
        seen = set(before)
        done = threading.Event()

        def watch():  # a request's own thread lives as long as the request: it is seen
            while not done.is_set():
                seen.update(thread_ids(pid))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            for _ in range(100):
                assert client.post("/v1/socket-tickets").status_code == 200
        finally:
            done.set()
            watcher.join()
    started = seen - before
    # A periodic job may start a pool thread meanwhile; a thread per request would be 100 or more.
    assert len(started) <= 3, f"{len(started)} threads started during 100 requests"
