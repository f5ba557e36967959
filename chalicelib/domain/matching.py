"""How well a bid (or a provider) fits a task, as an integer score 0..1000.

The score is documented in docs/matching.md:
  skills 600 points: the share of the task's skills the provider lists (case-insensitive);
  rating 300 points: the provider's average rating (hundredths, 100..500) scaled, 0 before any review;
  price  100 points: full when the price is within budget, falling linearly to 0 at twice the budget.
Integers only, so the order is stable and reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable


def match_score(
    task_skills: Iterable[str],
    provider_skills: Iterable[str],
    rating_centi: int | None,
    price: int,
    budget: int,
) -> int:
    wanted = {s.lower() for s in task_skills}
    offered = {s.lower() for s in provider_skills}
    skills = 600 * len(wanted & offered) // len(wanted) if wanted else 600
    rating = 300 * rating_centi // 500 if rating_centi else 0
    if budget <= 0 or price <= budget:
        fit = 100
    elif price >= 2 * budget:
        fit = 0
    else:
        fit = 100 * (2 * budget - price) // budget
    return skills + rating + fit


def reviewer_fit(
    task_skills: Iterable[str], provider_skills: Iterable[str], rating_centi: int | None
) -> tuple[int, list[str]]:
    """How well a provider fits to review a contract's work: `match_score` without the price part (a reviewer
    names no price: every candidate gets the same 100), and the skills they share with the task."""
    wanted = list(task_skills)
    offered = list(provider_skills)
    shared = sorted({s.lower() for s in wanted} & {s.lower() for s in offered})
    return match_score(wanted, offered, rating_centi, 0, 0), shared


def reviewer_order(score: int, shared: list[str]) -> tuple[int, int]:
    """Sort key of reviewer candidates: most skills shared with the task first, then the score (rating)."""
    return (-len(shared), -score)
