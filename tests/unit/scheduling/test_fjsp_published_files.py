"""Published FJSP files as they circulate (services/scheduling/benchmarks_data/published):
the parser takes every real quirk of them and names the line of what is truly wrong."""

from pathlib import Path

import pytest

from services.scheduling.fjsp.greedy import dispatches
from services.scheduling.fjsp.instance import FjspAssignment, FjspFormatError, parse_fjsp
from services.scheduling.fjsp.plain import solve_plain
from services.scheduling.fjsp.solver import solve_fjsp
from services.scheduling.fjsp.validate import validate_fjsp

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[3] / "services/scheduling/benchmarks_data"
PUBLISHED = DATA / "published"


def _read(name: str):
    return parse_fjsp((PUBLISHED / name).read_bytes().decode(), name=name)


def test_every_sample_reads_whatever_its_quirks():
    """Tabs, blank lines, CRLF, a fractional third header number, a zero duration."""
    read = {path.name: _read(path.name) for path in sorted(PUBLISHED.glob("*.fjs"))}
    assert len(read) == 5
    clean = parse_fjsp((DATA / "brandimarte/mk01.fjs").read_text())
    assert read["mk01_tabs.fjs"].jobs == read["mk01_crlf.fjs"].jobs == clean.jobs
    la01 = read["la01_edata.fjs"]  # header "10  5   1.15"
    assert (la01.machines, len(la01.jobs), la01.operation_count) == (5, 10, 50)
    assert la01.jobs[0][4].options == ((2, 34), (4, 34))  # "2 3 34 5 34", 0-based
    assert read["orb7_rdata.fjs"].operation_count == 100


def test_hurink_orb7_has_an_operation_of_no_duration_and_both_solvers_schedule_it():
    orb7 = _read("orb7_rdata.fjs")
    assert orb7.jobs[9][9].options == ((0, 0),)
    assert validate_fjsp(orb7, dispatches(orb7, seed=0, runs=3)[0]) == []
    for solve in (solve_fjsp, solve_plain):
        result = solve(orb7, 1.0, 2, 0)
        assert validate_fjsp(orb7, result.assignments) == []
        assert result.makespan >= 302  # its optimum (bounds.json)


def test_an_operation_of_no_duration_takes_no_time_on_its_machine():
    instance = parse_fjsp("2 1\n1 1 1 4\n1 1 1 0\n")
    inside = [FjspAssignment(0, 0, 0, 0, 4), FjspAssignment(1, 0, 0, 2, 2)]
    assert validate_fjsp(instance, inside) == []


def test_words_after_the_last_job_are_notes():
    instance = parse_fjsp("1 2 1\r\n1 1 2 3\r\n\r\nend of instance\r\n")
    assert instance.jobs == parse_fjsp("1 2\n1 1 2 3").jobs


def test_a_real_broken_copy_is_refused_naming_the_line():
    with pytest.raises(FjspFormatError, match=r"line 11: numbers after the last of the header's 10 jobs"):
        _read("broken_orb7_sdata.txt")


def test_every_problem_is_named_with_its_line():
    text = "2 3 1.5\n2 1 4 5 2 1 2 1 7\n1 2 2 -1 2 3\n"
    with pytest.raises(FjspFormatError) as refused:
        parse_fjsp(text)
    message = str(refused.value)
    assert "line 2: job 1 operation 1 names machine 4; the header says 3 machines" in message
    assert "line 2: job 1 operation 2 names machine 1 twice" in message
    assert "line 3: job 2 operation 1: the duration on machine 2 must be an integer, not '-1'" in message


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    ("3 x 2\n", "line 1: the number of machines must be a positive integer, not 'x'"),
    ("1 2 abc\n1 1 1 3\n", "line 1: the header's third value 'abc' is not a number"),
    ("2 2\n1 1 1 3\n\n1 2 1 3\n", "line 4: the file ends before"),
    ("1 2\n1 0\n", "line 2: job 1 operation 1: the number of machines must be at least 1, not 0"),
])
def test_malformed_files_are_refused_naming_the_line(text, says):
    with pytest.raises(FjspFormatError, match=says):
        parse_fjsp(text)
