"""``EARSHOT_WORKER_STAGES``: parsing, validation, and which agents and timers a worker registers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from earshot.settings import WORKER_STAGES, Settings, parse_worker_stages


@pytest.mark.parametrize(("value", "expected"), [
    ("all", WORKER_STAGES),
    (" ALL ", WORKER_STAGES),
    ("enrich", ("enrich",)),
    ("sink, enrich", ("enrich", "sink")),  # pipeline order, whatever the order given
    ("Notify,spikes,,", ("spikes", "notify")),
    ("enrich,sink,deadletters,spikes,notify", WORKER_STAGES),
    ("sink,sink", ("sink",)),
])
def test_parse_worker_stages(value: str, expected: tuple[str, ...]) -> None:
    assert parse_worker_stages(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("enrich,sinks", "unknown worker stage 'sinks'"),
    ("all,enrich", "unknown worker stage 'all'"),
    ("", "EARSHOT_WORKER_STAGES is empty"),
    (" , ", "EARSHOT_WORKER_STAGES is empty"),
])
def test_bad_worker_stages_are_refused_with_a_clear_message(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_worker_stages(value)
    with pytest.raises(ValidationError, match=message) as info:
        Settings(worker_stages=value)
    if "unknown" in message:
        assert "enrich, sink, deadletters, spikes, notify" in str(info.value)


def test_settings_default_is_every_stage_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().worker_stages == "all" and Settings().stages == frozenset(WORKER_STAGES)
    monkeypatch.setenv("EARSHOT_WORKER_STAGES", "sink,deadletters")
    settings = Settings()
    assert settings.worker_stages == "sink,deadletters"  # normalised, pipeline order
    assert settings.stages == {"sink", "deadletters"}
    assert Settings(worker_stages="enrich,sink,deadletters,spikes,notify").worker_stages == "all"
    monkeypatch.setenv("EARSHOT_WORKER_STAGES", "enrich,bogus")
    with pytest.raises(ValidationError, match="unknown worker stage 'bogus'"):
        Settings()


def test_cli_worker_exits_2_on_an_unknown_stage(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from earshot import cli
    from earshot.settings import get_settings

    monkeypatch.setenv("EARSHOT_WORKER_STAGES", "enrich,bogus")
    get_settings.cache_clear()
    try:
        assert cli.main(["worker"]) == 2
    finally:
        get_settings.cache_clear()
    assert "unknown worker stage 'bogus'" in capsys.readouterr().err


def _registered(stages: str, **extra: object) -> tuple[set[str], set[str], bool]:
    """(agent names, task/timer names, leader election disabled) of a pipeline built for ``stages``."""
    from pipeline.app import build_pipeline

    settings = Settings(worker_stages=stages, alert_webhook_url="http://127.0.0.1:9/hook", **extra)  # type: ignore[arg-type]
    app = build_pipeline(settings, backend=object()).app
    return set(app.agents), {t.__name__ for t in app._app_tasks}, bool(app.conf.topic_disable_leader)


def test_all_stages_register_everything_as_before() -> None:
    agents, tasks, no_leader = _registered("all")
    assert agents == {"earshot.enrich", "earshot.sink", "earshot.deadletters", "earshot.notify.webhook"}
    assert {"reload_watchlist", "score_closed_minutes"} <= tasks
    assert not no_leader


@pytest.mark.parametrize(("stages", "agents", "timers", "no_leader"), [
    ("enrich", {"earshot.enrich"}, {"reload_watchlist"}, True),
    ("sink", {"earshot.sink"}, set(), True),
    ("sink,deadletters", {"earshot.sink", "earshot.deadletters"}, set(), True),
    ("spikes", set(), {"score_closed_minutes"}, False),
    ("notify", {"earshot.notify.webhook"}, set(), True),
    ("sink,deadletters,spikes,notify", {"earshot.sink", "earshot.deadletters", "earshot.notify.webhook"},
     {"score_closed_minutes"}, False),
])
def test_selected_stages_register_only_their_agents_and_timers(stages: str, agents: set[str], timers: set[str],
                                                               no_leader: bool) -> None:
    got_agents, tasks, got_no_leader = _registered(stages)
    assert got_agents == agents
    assert tasks & {"reload_watchlist", "score_closed_minutes"} == timers
    # only workers running the spike timer take part in the leader election
    assert got_no_leader is no_leader


def test_spike_stages_do_nothing_when_spikes_are_disabled() -> None:
    agents, tasks, no_leader = _registered("spikes,notify", spike_enabled=False)
    assert agents == set() and "score_closed_minutes" not in tasks and not no_leader  # as before the setting
