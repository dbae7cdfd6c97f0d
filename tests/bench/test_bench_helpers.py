"""The benchmark's pure helpers: target verdicts, the floor's answer transaction, and what a
phone reads from a push or a form reply."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import httpx
import pytest
from fastapi import HTTPException

from bench.api import reply_seq
from bench.floor import GENESIS, canonical, chain_hash, connect, respond, seed
from bench.phones import THE_OPEN_ROUND, round_of
from bench.process import services_used
from bench.ratios import ratio, verdict
from bench.runner import Config, parse_args


def test_a_target_at_most_is_met_at_or_under_it_and_missed_by_the_share_over_it() -> None:
    assert verdict(3.0, 3.0, at_most=True) == "met"
    assert verdict(2.0, 3.0, at_most=True) == "met"
    assert verdict(4.5, 3.0, at_most=True) == "missed by 50%"


def test_a_target_at_least_is_missed_by_the_share_under_it() -> None:
    assert verdict(0.5, 0.5, at_most=False) == "met"
    assert verdict(0.25, 0.5, at_most=False) == "missed by 50%"


def test_a_figure_that_was_not_measured_is_never_met() -> None:
    assert verdict(math.nan, 3.0, at_most=True) == "not measured"
    assert verdict(math.inf, 10.0, at_most=True) == "missed"
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(math.nan, 2.0))


@pytest.fixture
def floor_db(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "floor.db"
    seed(path, ["alice", "bob"])
    return connect(path)


def test_the_floor_upserts_one_answer_per_person_and_chains_every_event(
    floor_db: sqlite3.Connection,
) -> None:
    assert respond(floor_db, "alice", 1, "agree", "") == 1
    assert respond(floor_db, "bob", 1, "block", "too loud") == 2
    assert respond(floor_db, "alice", 1, "stand_aside", "") == 3
    answers = floor_db.execute("SELECT value FROM response ORDER BY participant_id").fetchall()
    assert answers == [("stand_aside",), ("block",)]
    prev = GENESIS
    for _seq, prev_hash, hash_, payload in floor_db.execute("SELECT * FROM event ORDER BY seq"):
        assert prev_hash == prev
        assert hash_ == chain_hash(prev_hash, payload)
        prev = hash_
    assert canonical({"b": 1, "a": None}) == '{"a":null,"b":1}'


def test_the_floor_refuses_an_unknown_token_and_writes_nothing(
    floor_db: sqlite3.Connection,
) -> None:
    with pytest.raises(HTTPException):
        respond(floor_db, "mallory", 1, "agree", "")
    assert floor_db.execute("SELECT count(*) FROM event").fetchone() == (0,)
    assert not floor_db.in_transaction


TALLY_PUSH = (
    '<div id="mc-tally" class="tally" hx-swap-oob="true">'
    '<p class="round-count" data-answers="3" data-eligible="9"><strong>3</strong> of 9 joined '
    "have answered</p>"
    '<ul class="meter"><li class="meter-row answer-agree"><span class="meter-n">2</span></li>'
    '<li class="meter-row answer-block"><span class="meter-n">1</span></li></ul></div>'
    '<div id="mc-seq" data-seq="42" hidden hx-swap-oob="true"></div>'
)


def test_a_tally_pushed_alone_reads_as_the_open_rounds_counts() -> None:
    seen = round_of(TALLY_PUSH, 1.0, 42)
    assert seen is not None
    assert seen.round_id == THE_OPEN_ROUND
    assert seen.status == "open"
    assert seen.counts == {"agree": 2, "block": 1}
    assert seen.answered == 3


def test_a_push_without_a_round_or_tally_has_no_round() -> None:
    assert round_of('<div id="mc-seq" data-seq="4"></div>', 1.0, 4) is None


def test_a_form_replys_seq_comes_from_its_header_else_from_its_seq_region() -> None:
    assert reply_seq(httpx.Response(200, headers={"MC-Seq": "17"}, text="")) == 17
    assert reply_seq(httpx.Response(200, text='<div id="mc-seq" data-seq="9"></div>')) == 9
    assert reply_seq(httpx.Response(200, headers={"MC-Seq": "x"}, text="<p>no seq</p>")) is None


def test_a_service_process_that_ended_between_samples_never_counts_negative() -> None:
    before = {("PostgreSQL backends", 10): 5.0, ("PostgreSQL backends", 11): 1.0}
    after = {("PostgreSQL backends", 11): 1.5, ("PostgreSQL backends", 12): 0.25}
    assert services_used(before, after) == {"PostgreSQL backends": 0.75}


def test_without_a_configuration_the_bench_runs_one_worker_sqlite_then_two_on_postgres() -> None:
    _options, configs, _output, _details = parse_args(["--quick"])
    assert configs == [Config(1, "sqlite", "memory"), Config(2, "postgres", "redis")]


def test_naming_a_configuration_runs_only_it() -> None:
    args = ["--workers", "2", "--database", "postgres", "--broadcast", "redis"]
    _options, configs, _output, _details = parse_args(args)
    assert configs == [Config(2, "postgres", "redis")]


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "2", "--database", "sqlite", "--broadcast", "redis"],
        ["--workers", "2", "--database", "postgres", "--broadcast", "memory"],
        ["--workers", "0"],
    ],
)
def test_several_workers_without_shared_storage_are_refused(args: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_args(args)
    assert refused.value.code == 2
