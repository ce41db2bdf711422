"""Drives a program under a pseudo terminal for the console benchmark (Python stdlib only).

Usage: python3 pty_driver.py SPEC.json  -> prints one JSON document with the results.

SPEC: {"argv": [...], "env": {...}, "cols": 120, "rows": 40, "cwd": "...",
       "steps": [ {"wait": "text", "timeout": 20, "label": "...", "row": 1 (optional)},
                  {"key": "j", "repeat": 50, "quiet_ms": 40, "label": "..."},
                  {"sleep": 200}, {"rss": "label"}, {"mark": "label"} ],
       "quit": "q", "dump": "/path/to/raw-output (optional)"}

A wait step looks for its text in everything written so far, or, with "row", in that row
of the screen as a small terminal model draws it (the console writes only the cells that
changed, so a title's "200 failing" may never be written in one piece).

A key step writes the key, then reads until the terminal output has been quiet for
quiet_ms; the key's latency is the time from the write to the last byte of that burst,
and its bytes are the bytes of the burst. Every wait is bounded; the child is killed (by
its pid) if it does not quit.
"""
import codecs
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import unicodedata


class Screen:
    """A small terminal model: cursor moves, text, erases and scroll regions (enough to read rows back)."""

    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.cells = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0
        self.top, self.bottom = 0, rows - 1
        self.wrap = False
        self.saved = (0, 0)
        self.pending = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def row(self, n):
        return "".join(self.cells[n - 1]) if 1 <= n <= self.rows else ""

    def scroll(self, n):
        region = self.cells[self.top:self.bottom + 1]
        for _ in range(abs(n)):
            if n > 0:
                region.pop(0)
                region.append([" "] * self.cols)
            else:
                region.pop()
                region.insert(0, [" "] * self.cols)
        self.cells[self.top:self.bottom + 1] = region

    def newline(self):
        if self.r == self.bottom:
            self.scroll(1)
        elif self.r < self.rows - 1:
            self.r += 1

    def put(self, ch):
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
        if w == 0:
            return
        if self.wrap:
            self.c, self.wrap = 0, False
            self.newline()
        self.cells[self.r][self.c] = ch
        if w == 2 and self.c + 1 < self.cols:
            self.cells[self.r][self.c + 1] = ""
        if self.c + w >= self.cols:
            self.c, self.wrap = self.cols - 1, True
        else:
            self.c += w

    def csi(self, params, final):
        nums = [int(x) if x.isdigit() else 0 for x in params.lstrip("?").split(";")] if params else []
        a = nums[0] if nums else 0
        self.wrap = False
        if final in "Hf":
            self.r = min(max((nums[0] if nums and nums[0] else 1) - 1, 0), self.rows - 1)
            self.c = min(max((nums[1] if len(nums) > 1 and nums[1] else 1) - 1, 0), self.cols - 1)
        elif final == "G":
            self.c = min(max((a or 1) - 1, 0), self.cols - 1)
        elif final == "d":
            self.r = min(max((a or 1) - 1, 0), self.rows - 1)
        elif final in "AB":
            self.r = min(max(self.r + (a or 1) * (1 if final == "B" else -1), 0), self.rows - 1)
        elif final in "CD":
            self.c = min(max(self.c + (a or 1) * (1 if final == "C" else -1), 0), self.cols - 1)
        elif final == "K":
            lo, hi = {0: (self.c, self.cols), 1: (0, self.c + 1), 2: (0, self.cols)}.get(a, (self.c, self.cols))
            for i in range(lo, hi):
                self.cells[self.r][i] = " "
        elif final == "X":
            for i in range(self.c, min(self.cols, self.c + (a or 1))):
                self.cells[self.r][i] = " "
        elif final == "J" and a in (2, 3):
            self.cells = [[" "] * self.cols for _ in range(self.rows)]
        elif final == "J" and a == 0:
            for i in range(self.c, self.cols):
                self.cells[self.r][i] = " "
            for r in range(self.r + 1, self.rows):
                self.cells[r] = [" "] * self.cols
        elif final == "r" and not params.startswith("?"):
            self.top = (nums[0] if nums and nums[0] else 1) - 1
            self.bottom = (nums[1] if len(nums) > 1 and nums[1] else self.rows) - 1
            self.r = self.c = 0
        elif final == "S":
            self.scroll(a or 1)
        elif final == "T":
            self.scroll(-(a or 1))

    def feed(self, data):
        text = self.pending + self.decoder.decode(bytes(data))
        self.pending = ""
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch == "\x1b":
                if i + 1 >= n:
                    self.pending = text[i:]
                    return
                nxt = text[i + 1]
                if nxt == "[":
                    m = re.compile(r"\[([0-9;?>=]*)[ -/]*([@-~])").match(text, i + 1)
                    if not m:
                        self.pending = text[i:]
                        return
                    self.csi(m.group(1), m.group(2))
                    i = m.end()
                    continue
                if nxt == "]":
                    end = min([j for j in (text.find("\x07", i), text.find("\x1b\\", i)) if j >= 0] or [-1])
                    if end < 0:
                        self.pending = text[i:]
                        return
                    i = end + (1 if text[end] == "\x07" else 2)
                    continue
                if nxt == "7":
                    self.saved = (self.r, self.c)
                elif nxt == "8":
                    self.r, self.c = self.saved
                i += 2
                continue
            if ch == "\r":
                self.c, self.wrap = 0, False
            elif ch == "\n":
                self.wrap = False
                self.newline()
            elif ch == "\b":
                self.c = max(0, self.c - 1)
            elif ch >= " " and ch != "\x7f":
                self.put(ch)
            i += 1


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
    screen = Screen(cols, rows)
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
        screen.feed(data)
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
                if (step["wait"] in screen.row(step["row"])) if "row" in step else (needle in raw[begin if step.get("fresh") else 0:]):
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
