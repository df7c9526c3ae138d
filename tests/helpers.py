"""Small helpers shared by test modules in more than one folder (fixtures live in the conftest files)."""

import math

from hypothesis import HealthCheck, settings

from sim_core import InputError


def cohort_args(scenario, patients, years, *extra, seed=None):
    """The words of ``seedsoil-sim cohort`` for ``patients`` of ``scenario`` over ``years``, with
    ``--seed`` when one is given, then ``extra`` as they are (numbers may be given as numbers)."""
    words = ["cohort", "--scenario", scenario, "--patients", str(patients), "--years", str(years)]
    if seed is not None:
        words += ["--seed", str(seed)]
    return words + [str(word) for word in extra]


def fuzz(max_examples):
    """Hypothesis settings for a fuzz test: ``max_examples`` cases, no deadline, slow cases allowed."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parsed_or_one_line(parse, data, *args, name="fuzz.toml"):
    """What ``parse(data, name, *args)`` returns, or the InputError it raises, which must be one line
    that starts with ``name`` (the file it names)."""
    try:
        return parse(data, name, *args)
    except InputError as err:
        msg = str(err)
        assert msg.startswith(name) and "\n" not in msg, msg
        return err


def toml_value(v) -> str:
    """``v`` (a bool, number, string or list of them, as Hypothesis drew it) written as a TOML value;
    a float that is not finite as TOML's ``nan``, ``inf`` or ``-inf``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return str(v)
