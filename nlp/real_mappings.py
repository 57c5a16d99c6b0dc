"""Fixed mappings from each real data set's own labels to the taxonomy's causes.

One table per set, read top to bottom, first match wins; a label that maps to None says nothing
about our causes and is left out of cause scoring (docs/nlp.md, "The real-data suite", lists them
with the reasons). Patterns are fnmatch patterns over the set's category names. The tables are
data: changing one changes what the suite's figures mean, so record it in docs/nlp.md.
"""
from __future__ import annotations

from fnmatch import fnmatchcase

# SemEval-2016 laptops, ENTITY#ATTRIBUTE. The price of anything is pricing; support (phone, repair
# service) is reaching support; shipping is delivery; QUALITY of a product part is product quality.
# Warranty terms have no cause (not a return), nor do the company, design, usability, performance.
LAPTOP_RULES: tuple[tuple[str, str | None], ...] = (
    ("*#PRICE", "pricing"),
    ("SUPPORT#*", "support"),
    ("SHIPPING#*", "delays"),
    ("WARRANTY#*", None),
    ("COMPANY#*", None),
    ("*#QUALITY", "quality"),
)
# SemEval-2015 hotels. SERVICE#GENERAL is how the hotel's people treated the guest: staff.
HOTEL_EN_RULES: tuple[tuple[str, str | None], ...] = (
    ("*#PRICES", "pricing"),
    ("SERVICE#*", "staff"),
)
# German hotel sentences: SERVICE is the staff; HOTEL, ZIMMER, LAGE, ESSEN&TRINKEN have no cause.
HOTEL_DE_RULES: tuple[tuple[str, str | None], ...] = (("SERVICE", "staff"),)
# GermEval 2017 (Deutsche Bahn), main category (before '#'). The test split has main categories
# only, so Zugfahrt (the journey: punctuality, network, travel time) is not mapped to delays.
GERMEVAL_RULES: tuple[tuple[str, str | None], ...] = (
    ("Sonstige_Unregelmässigkeiten", "delays"),
    ("Ticketkauf", "ordering"),
    ("Service_und_Kundenbetreuung", "support"),
    ("DB_App_und_Website", "website_app"),
)
# Airline sub-ratings (1-5): a rating says how the reviewer rated the aspect, not whether the
# text tells about it, so these give cause polarity only. ground_service (check-in desks, bags,
# transfers and staff at once) and the comfort, food, wifi and lounge-amenity ratings have none.
AIRLINE_RATINGS = {
    "cabin_staff_service": "staff",
    "lounge_staff_service": "staff",
    "value_for_money": "pricing",
    "customer_service": "support",
    "checkin_boarding": "waiting",
}
# TripAdvisor hotel aspect ratings: only value has a cause (cleanliness, location, rooms, sleep
# quality have none).
HOTEL_RATINGS = {"value": "pricing"}
# App-review intent: a bug report is about a website/app problem; a feature request is about the
# app but reports no problem, so website_app is absent. rating (praise or a bare verdict),
# user_experience and Panichella's information_giving / information_seeking say nothing definite.
APP_LABELS: dict[str, frozenset[str] | None] = {
    "bug_report": frozenset({"website_app"}),
    "feature_request": frozenset(),
}
# CFPB issues chosen by the consumer (one per complaint). Loans, credit reports and payment terms
# are credit; unexpected fees, payments and withdrawals are billing.
CFPB_ISSUES: dict[str, str | None] = {
    "Charged fees or interest you didn't expect": "billing",
    "Problem when making payments": "billing",
    "Can't stop withdrawals from your bank account": "billing",
    "Money was taken from your bank account on the wrong day or for the wrong amount": "billing",
    "Struggling to pay your loan": "credit",
    "Problem with the payoff process at the end of the loan": "credit",
    "Getting the loan": "credit",
    "Getting a line of credit": "credit",
    "Incorrect information on your report": "credit",
    "Received a loan you didn't apply for": "credit",
    "Vehicle was repossessed or sold the vehicle": "credit",
    "Improper use of your report": "credit",
    "Loan payment wasn't credited to your account": "credit",
    "Was approved for a loan, but didn't receive the money": "credit",
    "Problem with cash advance": "credit",
    "Problem with a credit reporting company's investigation into an existing problem": "credit",
    "Problem with a company's investigation into an existing problem": "credit",
    "Credit limit changed": "credit",
    "Unable to get your credit report or credit score": "credit",
    "Problem with fraud alerts or security freezes": "credit",
    "Can't contact lender or servicer": "support",
    "Problem with additional add-on products or services": None,
    "Credit monitoring or identity theft protection services": None,
    "Vehicle was damaged or destroyed the vehicle": None,
    "Property was damaged or destroyed property": None,
}
# CFPB products: credit products are credit. Accounts, money transfers, prepaid cards and debt
# collection are about several causes at once and have none.
CFPB_PRODUCTS: dict[str, str | None] = {
    "Credit reporting": "credit",
    "Credit reporting, repair, or other": "credit",
    "Credit reporting or other personal consumer reports": "credit",
    "Credit card": "credit",
    "Mortgage": "credit",
    "Student loan": "credit",
    "Vehicle loan or lease": "credit",
    "Payday loan, title loan, or personal loan": "credit",
    "Payday loan, title loan, personal loan, or advance loan": "credit",
    "Consumer Loan": "credit",
    "Debt collection": None,
    "Checking or savings account": None,
    "Money transfer, virtual currency, or money service": None,
    "Prepaid card": None,
    "Debt or credit management": None,
}


def rule_cause(rules: tuple[tuple[str, str | None], ...], category: str) -> str | None:
    """The cause the first matching rule gives `category`, or None (no rule, or mapped to none)."""
    for pattern, cause in rules:
        if fnmatchcase(category, pattern):
            return cause
    return None


def rules_causes(rules: tuple[tuple[str, str | None], ...]) -> tuple[str, ...]:
    """The causes a rule table can give, in table order: the causes scored on that set."""
    return tuple(dict.fromkeys(cause for _, cause in rules if cause))


def star_polarity(value: str | float | None) -> str | None:
    """A 1-5 rating as a polarity: 1-2 negative, 4-5 positive, 3 or blank none."""
    if value in (None, ""):
        return None
    stars = float(value)
    return "negative" if stars <= 2 else "positive" if stars >= 4 else None
