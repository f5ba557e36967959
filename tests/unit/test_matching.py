"""match_score: skills 600 + rating 300 + price fit 100, an integer in 0..1000."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.matching import match_score

SKILLS = ["python", "aws", "dynamodb", "react", "go", "rust", "terraform"]


def test_perfect_fit_scores_1000() -> None:
    assert match_score(["python", "aws"], ["python", "aws", "go"], 500, 1000, 1000) == 1000


def test_the_documented_weights_add_up() -> None:
    # 1 of 3 skills -> 200, rating 4.50 -> 270, price 1.5x budget -> 50
    assert match_score(["Python", "AWS", "Go"], ["python"], 450, 1500, 1000) == 200 + 270 + 50


def test_skills_share_of_600() -> None:
    assert match_score(["a", "b", "c", "d"], [], None, 1, 1) == 0 + 0 + 100
    assert match_score(["a", "b", "c", "d"], ["a"], None, 1, 1) == 150 + 100
    assert match_score(["a", "b", "c", "d"], ["a", "b", "c"], None, 1, 1) == 450 + 100
    assert match_score(["a", "b", "c", "d"], ["a", "b", "c", "d", "e"], None, 1, 1) == 600 + 100


def test_skills_compare_case_insensitively() -> None:
    assert match_score(["Python", "AWS"], ["python", "aws"], None, 1, 1) == 700
    assert match_score(["python"], ["PYTHON"], None, 1, 1) == 700


def test_duplicate_task_skills_count_once() -> None:
    assert match_score(["python", "Python", "go"], ["python"], None, 1, 1) == 300 + 100


def test_a_task_wanting_no_skills_gives_full_skill_points() -> None:
    assert match_score([], [], None, 1, 1) == 700
    assert match_score([], ["anything"], None, 1, 1) == 700


def test_rating_scales_to_300_and_none_is_zero() -> None:
    assert match_score([], [], None, 1, 1) - 700 == 0
    assert match_score([], [], 0, 1, 1) - 700 == 0
    assert match_score([], [], 100, 1, 1) - 700 == 60
    assert match_score([], [], 250, 1, 1) - 700 == 150
    assert match_score([], [], 500, 1, 1) - 700 == 300


def test_price_within_budget_gets_the_full_100() -> None:
    assert match_score([], [], None, 500, 1000) == 700
    assert match_score([], [], None, 1000, 1000) == 700


def test_price_at_or_above_twice_the_budget_gets_0() -> None:
    assert match_score([], [], None, 2000, 1000) == 600
    assert match_score([], [], None, 5000, 1000) == 600


def test_price_fit_falls_linearly_between_budget_and_twice_the_budget() -> None:
    fits = [match_score([], [], None, price, 1000) - 600 for price in (1000, 1250, 1500, 1750, 1999)]
    assert fits == [100, 75, 50, 25, 0]
    assert match_score([], [], None, 1001, 1000) - 600 == 99


def test_more_expensive_never_scores_higher() -> None:
    scores = [match_score(["a"], ["a"], 400, price, 1000) for price in range(1, 2500, 7)]
    assert scores == sorted(scores, reverse=True)


skill_lists = st.lists(st.sampled_from(SKILLS + [s.upper() for s in SKILLS]), max_size=10)


@given(
    task_skills=skill_lists,
    provider_skills=skill_lists,
    rating=st.none() | st.integers(min_value=100, max_value=500),
    price=st.integers(min_value=1, max_value=10**10),
    budget=st.integers(min_value=1, max_value=10**10),
)
def test_score_is_always_an_integer_from_0_to_1000(
    task_skills: list[str], provider_skills: list[str], rating: int | None, price: int, budget: int
) -> None:
    score = match_score(task_skills, provider_skills, rating, price, budget)
    assert type(score) is int
    assert 0 <= score <= 1000


@given(
    task_skills=skill_lists,
    provider_skills=skill_lists,
    rating=st.none() | st.integers(min_value=100, max_value=500),
    price=st.integers(min_value=1, max_value=10**6),
    budget=st.integers(min_value=1, max_value=10**6),
)
def test_score_ignores_skill_case_and_order(
    task_skills: list[str], provider_skills: list[str], rating: int | None, price: int, budget: int
) -> None:
    expected = match_score(task_skills, provider_skills, rating, price, budget)
    swapped = match_score(
        [s.swapcase() for s in reversed(task_skills)], [s.upper() for s in provider_skills], rating, price, budget
    )
    assert swapped == expected
