"""Benchmarks (``make bench``): each module's ``run(quick)`` returns {"name": {"value": n, "unit": "..."}}."""
