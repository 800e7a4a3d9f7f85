"""32 runners claim pending jobs as fast as the server hands them out; prints claims/s and double claims."""
import json, sys, threading, time, urllib.request

url, registration, runners, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def post(path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, (json.loads(response.read() or b"null"))

tokens = [post("/api/v1/runner/register", {"registration_token": registration, "name": f"claims-{i}"})[1]["token"] for i in range(runners)]
claimed, lock = [], threading.Lock()
capacity = {"concurrency": 100000, "executor": "process", "tags": [tag], "gpus": [], "cpus": 64, "memory_bytes": 1 << 40}

def poll(token):
    while True:
        status, body = post("/api/v1/runner/jobs/request", {"token": token, "capacity": capacity})
        if status == 204:
            return
        with lock:
            claimed.append((body["id"], time.perf_counter()))

started = time.perf_counter()
threads = [threading.Thread(target=poll, args=(t,)) for t in tokens]
for t in threads: t.start()
for t in threads: t.join()
# Pollers wait out one long poll once the queue is empty: the rate counts up to the last claim.
ids = [i for i, _ in claimed]
elapsed = max(t for _, t in claimed) - started
print(f"claims: {len(ids)} jobs by {runners} runners in {elapsed:.2f} s = {len(ids) / elapsed:.0f} claims/s "
      f"(target >= 1,000/s), {len(ids) - len(set(ids))} double claims (target 0)")
