"""What the bench scripts read from a saved wrk --latency report: requests/s, p99 in ms, non-2xx count."""
import re


def figures(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M).groups()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], int(errors.group(1)) if errors else 0
