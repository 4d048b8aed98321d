"""Shared by the benchmarks: the machine description and RESULTS.md sections."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine(extra: str = "") -> str:
    """Cores, CPU model, Python (plus `extra`), OS and the load average when recorded."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = f"Python {platform.python_version()}" + (f", {extra}" if extra else "")
    return (f"nproc {os.cpu_count()}, {cpu}; {versions}, {platform.system()} "
            f"{platform.machine()}; load average (1, 5, 15 min) when recorded {load}")


def record(section: str, title: str) -> None:
    """Replace this benchmark's own section of RESULTS.md (or append it); others are kept."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = section.rstrip("\n") + "\n\n"
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n")
