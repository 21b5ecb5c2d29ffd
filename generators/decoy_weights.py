"""How often a filler's decoy aside is drawn from each template key, relative to a user fact slot's.

A detector trained on one store learns each key's words with the weight E_k / D_k: the key's evidence
messages over the other messages that carry one of its decoy asides. Keys whose ratio is above the others'
mark evidence in any store of the same generator, so every key that carries evidence gets the weight that
makes its ratio equal to the mean of its speaker's keys, as measured by `tests/benchmarks/decoy_balance.py`
(WEIGHTS: 40 personas, seeds 101 and 102, starting from the category weights; only the turns of the speaker
who says a key's asides count, not the acknowledgements; re-measure after changing which keys are asked or
how often). Keys not in the table take their category's weight (`BY_CATEGORY`, else 1.0); other people's
values (negatives) are evidence only of abstention questions, so the negative keys of slots that are never
absent are drawn least.
"""

from __future__ import annotations

BY_CATEGORY = {"preferences": 1.4, "implicit_connections": 1.4, "temporal": 1.45, "negatives": 0.32}

WEIGHTS: dict[str, float] = {
    'aggregation/biggest_purchase': 0.23,
    'aggregation/books_finished': 1.7,
    'aggregation/gift_spending': 0.89,
    'aggregation/miles_run': 0.87,
    'aggregation/museum_tickets': 0.82,
    'assistant_facts/board_game_recommendation': 0.37,
    'assistant_facts/book_recommendation': 0.38,
    'assistant_facts/houseplant_recommendation': 0.45,
    'assistant_facts/podcast_recommendation': 0.44,
    'assistant_facts/rank_book': 1.55,
    'assistant_facts/rank_laptop': 2.33,
    'assistant_facts/rank_recipe': 0.87,
    'assistant_facts/rank_tent': 1.3,
    'assistant_facts/stretch_recommendation': 0.38,
    'changing_facts/car_model': 1.03,
    'changing_facts/coffee_spot': 1.01,
    'changing_facts/manager_name': 0.99,
    'changing_facts/neighbourhood': 0.79,
    'changing_facts/phone_model': 0.61,
    'changing_facts/reading_now': 1.12,
    'implicit_connections/plant': 1.5,
    'negatives/book_recommendation': 0.32,
    'negatives/car_model': 0.32,
    'negatives/cat_name': 0.32,
    'negatives/dog_name': 0.63,
    'negatives/employer': 0.32,
    'negatives/gym_name': 0.69,
    'negatives/home_city': 0.32,
    'negatives/instrument': 0.63,
    'negatives/partner_name': 0.88,
    'negatives/sister_name': 0.61,
    'preferences/plant': 1.49,
    'temporal/plant': 1.48,
    'user_facts/doctor_name': 0.41,
    'user_facts/dog_name': 0.41,
    'user_facts/employer': 0.5,
    'user_facts/gym_name': 0.35,
    'user_facts/home_city': 0.63,
    'user_facts/instrument': 0.38,
    'user_facts/partner_name': 0.75,
    'user_facts/rank_apartment': 1.16,
    'user_facts/rank_hike': 1.37,
    'user_facts/rank_movie': 0.84,
    'user_facts/rank_restaurant': 1.36,
    'user_facts/sister_name': 0.29,
}


def weight(key: str) -> float:
    """The decoy weight of template `key` ("<category>/<name>")."""
    return WEIGHTS.get(key, BY_CATEGORY.get(key.split("/", 1)[0], 1.0))
