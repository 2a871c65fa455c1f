"""Measuring helpers shared by the benchmark scripts: resident memory, peak reset, child processes, the machine.

Memory is read from ``/proc/self/status`` (Linux): ``VmRSS`` is the resident set now, ``VmHWM`` its high-water
mark. Writing ``5`` to ``/proc/self/clear_refs`` resets the high-water mark to the current RSS (Linux ≥ 4.0), so
the peak *extra* memory of one call is ``VmHWM`` after it minus ``VmRSS`` before it, measured in one process. Where
the reset is not available (:func:`can_reset_peak` is False) a script runs each measurement in a fresh process.

Nothing here imports mentormatch at module level, so the helpers also serve the plain baseline pipeline.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "rss_mb",
    "peak_rss_mb",
    "can_reset_peak",
    "reset_peak",
    "release_free_memory",
    "PeakMeter",
    "run_json",
    "ChildRun",
    "run_child",
    "machine",
    "machine_line",
]


def rss_mb(field: str = "VmRSS") -> float | None:
    """A memory field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``, ...) in MB, or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (``VmHWM``, else ``ru_maxrss``)."""
    peak = rss_mb("VmHWM")
    if peak is None:  # ru_maxrss is in kB on Linux, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return peak


def reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return rss_mb("VmHWM") is not None


def _load_malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _load_malloc_trim() if sys.platform.startswith("linux") else None


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc ``malloc_trim``), so that memory freed
    by an earlier call is not reused unseen by the next one: the next call's extra RSS is then its own."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def can_reset_peak() -> bool:
    """Whether :func:`reset_peak` works here (tried once, harmless)."""
    return reset_peak()


class PeakMeter:
    """Time one call and the peak memory it adds: ``with PeakMeter() as meter: call()``.

    On entry: collect garbage and release freed heap pages (:func:`release_free_memory`), reset the peak (when
    possible), note the RSS; on exit: note the wall time and the peak. ``extra_mb`` is peak − RSS before; without a
    peak reset it is the process peak so far minus the RSS before, an upper bound (the caller then runs each
    measurement in a fresh process).
    """

    def __enter__(self) -> PeakMeter:
        release_free_memory()
        self.reset = reset_peak()
        self.before_mb = rss_mb("VmRSS") or 0.0
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.peak_mb = peak_rss_mb()
        self.extra_mb = max(0.0, self.peak_mb - self.before_mb)


def run_json(command: list[str], timeout: float) -> dict:
    """Run a worker command whose last stdout line is JSON; return it, or ``{"error": ...}``."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        killed = " (killed: out of memory?)" if done.returncode in (-9, 137) else ""
        return {"error": f"exit {done.returncode}{killed}: {tail}"}
    return json.loads(lines[-1])


@dataclass(frozen=True)
class ChildRun:
    """One child process, timed from the outside."""

    seconds: float
    """Wall time from start to exit (``time.perf_counter`` around it)."""
    peak_rss_mb: float
    """The child's peak resident memory (``ru_maxrss`` from ``os.wait4``)."""
    returncode: int
    stdout: str
    stderr: str


def run_child(command: list[str], *, cwd: Path | None = None, timeout: float | None = None) -> ChildRun:
    """Run ``command`` as a fresh process; wall time and its own peak RSS (``os.wait4``), output captured.

    Output goes to temporary files rather than pipes, so that waiting with ``os.wait4`` cannot dead-lock.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, text=True)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return ChildRun(seconds, peak, child.returncode, out.read(), err.read())


def machine(modules: tuple[str, ...] = ("mentormatch", "numpy", "scipy", "pandas", "ortools")) -> dict[str, str]:
    """The machine and library versions for a results header (missing modules are left out).

    The figures are the library's :func:`mentormatch.bench.results.machine` (what ``mentormatch bench`` records
    with every run: CPU model, the CPUs this process may use, physical memory, versions), as text: ``date``,
    ``cpu``, ``cores``, ``ram``, ``os``, ``python`` and one entry per installed module of ``modules``.
    """
    from mentormatch.bench.results import machine as measured
    from mentormatch.bench.results import package_version

    info = measured()
    header = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": info["cpu"],
        "cores": str(info["cpu_count"]),
        "ram": "?" if info["memory_gb"] is None else f"{info['memory_gb']:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": info["python"],
    }
    for name in modules:
        version = info["version"] if name == "mentormatch" else package_version(name)
        if version is not None:
            header[name] = version
    return header


def machine_line(info: dict[str, str]) -> str:
    """``Machine: CPU, cores, RAM, OS; Python x, lib y, ...`` from :func:`machine`."""
    fixed = ("date", "cpu", "cores", "ram", "os", "python")
    libraries = ", ".join(f"{name} {version}" for name, version in info.items() if name not in fixed)
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}; "
        f"Python {info['python']}, {libraries}."
    )
