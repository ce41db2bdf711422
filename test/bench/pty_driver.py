"""Drives a program under a pseudo terminal for the console benchmark (Python stdlib only).

Usage: python3 pty_driver.py SPEC.json  -> prints one JSON document with the results.

SPEC: {"argv": [...], "env": {...}, "cols": 120, "rows": 40, "cwd": "...",
       "steps": [ {"wait": "text", "timeout": 20, "label": "..."},
                  {"key": "j", "repeat": 50, "quiet_ms": 40, "label": "..."},
                  {"sleep": 200}, {"rss": "label"}, {"mark": "label"} ],
       "quit": "q", "dump": "/path/to/raw-output (optional)"}

A key step writes the key, then reads until the terminal output has been quiet for
quiet_ms; the key's latency is the time from the write to the last byte of that burst,
and its bytes are the bytes of the burst. Every wait is bounded; the child is killed (by
its pid) if it does not quit.
"""
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    spec = json.load(open(sys.argv[1]))
    cols, rows = spec.get("cols", 120), spec.get("rows", 40)
    env = dict(os.environ)
    env.update(spec.get("env", {}))
    t_start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
        os.execvpe(spec["argv"][0], spec["argv"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    raw = bytearray()
    results = {"steps": []}
    dump = open(spec["dump"], "wb") if spec.get("dump") else None
    exited = {"done": False}

    def cpu_ms():
        """CPU time (user + system) the child has used so far, in ms (None if it is gone)."""
        try:
            fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def read_some(timeout):
        """Reads what is there within timeout; returns (bytes, time of last chunk) or (b'', None)."""
        r, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not r:
            return b"", None
        try:
            data = os.read(fd, 65536)
        except OSError:
            exited["done"] = True
            return b"", None
        if not data:
            exited["done"] = True
            return b"", None
        raw.extend(data)
        if dump:
            dump.write(data)
        return data, time.perf_counter()

    def until_quiet(quiet_ms, limit_s, since):
        """Reads until quiet_ms without output (after at least one chunk, or limit_s)."""
        n = 0
        last = None
        deadline = since + limit_s
        while time.perf_counter() < deadline and not exited["done"]:
            wait = quiet_ms / 1000.0 if last is not None else deadline - time.perf_counter()
            data, t = read_some(wait)
            if t is None:
                if last is not None:
                    break
                continue
            n += len(data)
            last = t
        return n, last

    for step in spec["steps"]:
        if "wait" in step:
            needle = step["wait"].encode()
            start = time.perf_counter()
            seen = None
            seen_cpu = None
            begin = len(raw)
            while time.perf_counter() - start < step.get("timeout", 20) and not exited["done"]:
                read_some(0.05)
                if needle in raw[begin if step.get("fresh") else 0:]:
                    seen = time.perf_counter()
                    seen_cpu = cpu_ms()
                    break
            n, last = until_quiet(step.get("quiet_ms", 100), 5, time.perf_counter()) if seen else (0, None)
            results["steps"].append({"label": step.get("label", "wait"), "seen_ms": None if seen is None else (seen - t_start) * 1000, "cpu_ms": seen_cpu,
                                     "quiet_ms": None if seen is None else ((last or seen) - t_start) * 1000, "bytes_total": len(raw)})
        elif "key" in step:
            key = step["key"].encode()
            lat, sizes, cpus = [], [], []
            for _ in range(step.get("repeat", 1)):
                until_quiet(step.get("settle_ms", 30), 0.5, time.perf_counter())  # drain anything pending
                c0 = cpu_ms()
                t0 = time.perf_counter()
                os.write(fd, key)
                n, last = until_quiet(step.get("quiet_ms", 40), step.get("limit_s", 3), t0)
                c1 = cpu_ms()
                lat.append(None if last is None else (last - t0) * 1000)
                sizes.append(n)
                # CPU the console used for this key (user + system; clock-tick resolution)
                cpus.append(None if c0 is None or c1 is None else c1 - c0)
            results["steps"].append({"label": step.get("label", "key"), "latency_ms": lat, "bytes": sizes, "cpu_ms": cpus})
        elif "exit" in step:
            start = time.perf_counter()
            while time.perf_counter() - start < step.get("timeout", 20) and not exited["done"]:
                read_some(0.05)
            results["steps"].append({"label": step["exit"], "t_ms": (time.perf_counter() - t_start) * 1000})
        elif "sleep" in step:
            end = time.perf_counter() + step["sleep"] / 1000.0
            while time.perf_counter() < end:
                read_some(end - time.perf_counter())
        elif "rss" in step:
            status = {}
            try:
                for line in open("/proc/%d/status" % pid):
                    k, _, v = line.partition(":")
                    status[k] = v.strip()
            except OSError:
                pass
            results["steps"].append({"label": step["rss"], "hwm_kb": int(status.get("VmHWM", "0 kB").split()[0]), "rss_kb": int(status.get("VmRSS", "0 kB").split()[0])})
        elif "mark" in step:
            results["steps"].append({"label": step["mark"], "t_ms": (time.perf_counter() - t_start) * 1000, "bytes_total": len(raw)})

    # Quit, bounded; then make sure the child is gone (it is ours: kill by pid).
    if not exited["done"] and spec.get("quit") is not None:
        try:
            os.write(fd, spec["quit"].encode())
        except OSError:
            pass
    deadline = time.perf_counter() + 5
    status = None
    while time.perf_counter() < deadline:
        read_some(0.05)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
        results["killed"] = True
    results["total_ms"] = (time.perf_counter() - t_start) * 1000
    results["bytes_total"] = len(raw)
    if dump:
        dump.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
