"""The demo company: its people, channels, internal products and stakeholder map. Fixed data; dates are tenures
(days before today), so a new joiner stays new on every run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.demo import PRODUCT_DEPARTMENT


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str
    department: str
    location: str
    timezone: str
    tenure_days: int

    def start_date(self, today: date) -> date:
        return today - timedelta(days=self.tenure_days)


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    purpose: str


EXPENSES = "Expense Hub"
SUPPORT_CONSOLE = "Support Console"
SCHEDULING = "ShiftPlanner"
PRODUCTS = (EXPENSES, SUPPORT_CONSOLE, SCHEDULING)

PEOPLE = (
    Person("UDEMO001", "Amara Okafor", "Chief Executive Officer", "Leadership", "London", "Europe/London", 3105),
    Person(
        "UDEMO002", "Daniel Whitfield", "Chief Financial Officer", "Leadership", "New York", "America/New_York", 1460
    ),
    Person("UDEMO003", "Priya Raman", "Chief Operating Officer", "Leadership", "Bengaluru", "Asia/Kolkata", 1980),
    Person("UDEMO004", "Mateo García", "Director of Engineering", "Engineering", "Madrid", "Europe/Madrid", 1720),
    Person(
        "UDEMO005", "Hannah Becker", "Engineering Lead, Internal Tools", "Engineering", "Berlin", "Europe/Berlin", 1240
    ),
    Person("UDEMO006", "Kwame Mensah", "Senior Software Engineer", "Engineering", "London", "Europe/London", 980),
    Person("UDEMO007", "Lucía Fernández", "Software Engineer", "Engineering", "Madrid", "Europe/Madrid", 410),
    Person("UDEMO008", "Tomasz Nowak", "Software Engineer", "Engineering", "Warsaw", "Europe/Warsaw", 655),
    Person("UDEMO009", "Emily Chen", "Mobile Engineer", "Engineering", "San Francisco", "America/Los_Angeles", 530),
    Person(
        "UDEMO010", "Jonas Lindqvist", "Site Reliability Engineer", "Engineering", "Stockholm", "Europe/Stockholm", 870
    ),
    Person("UDEMO011", "Aisha Bello", "QA Engineer", "Engineering", "Lagos", "Africa/Lagos", 300),
    Person("UDEMO012", "Grace O'Neill", "Director of Operations", "Operations", "Dublin", "Europe/Dublin", 2210),
    Person("UDEMO013", "Marcus Johnson", "Operations Manager", "Operations", "Chicago", "America/Chicago", 1130),
    Person("UDEMO014", "Sofia Rossi", "Operations Analyst", "Operations", "Milan", "Europe/Rome", 460),
    Person("UDEMO015", "Liam Murphy", "Shift Coordinator", "Operations", "Dublin", "Europe/Dublin", 720),
    Person("UDEMO016", "Nadia Haddad", "Shift Coordinator", "Operations", "Toronto", "America/Toronto", 95),
    Person("UDEMO017", "Ravi Patel", "Logistics Specialist", "Operations", "Bengaluru", "Asia/Kolkata", 380),
    Person("UDEMO018", "Chloé Martin", "Facilities Coordinator", "Operations", "Paris", "Europe/Paris", 840),
    Person("UDEMO019", "Olivia Brown", "Head of Support", "Support", "Manchester", "Europe/London", 1610),
    Person("UDEMO020", "Diego Álvarez", "Support Team Lead", "Support", "Mexico City", "America/Mexico_City", 990),
    Person("UDEMO021", "Yuki Tanaka", "Support Specialist", "Support", "Tokyo", "Asia/Tokyo", 505),
    Person("UDEMO022", "Fatima Zahra", "Support Specialist", "Support", "Casablanca", "Africa/Casablanca", 270),
    Person("UDEMO023", "Ben Carter", "Support Specialist", "Support", "Manchester", "Europe/London", 610),
    Person("UDEMO024", "Isabela Costa", "Support Specialist", "Support", "São Paulo", "America/Sao_Paulo", 150),
    Person("UDEMO025", "Noah Williams", "Support Specialist", "Support", "Austin", "America/Chicago", 45),
    Person("UDEMO026", "Mei Lin", "Support Specialist", "Support", "Singapore", "Asia/Singapore", 760),
    Person("UDEMO027", "James O'Brien", "VP Sales", "Sales", "New York", "America/New_York", 1350),
    Person("UDEMO028", "Sara Lindgren", "Account Executive", "Sales", "Stockholm", "Europe/Stockholm", 420),
    Person("UDEMO029", "Ahmed Hassan", "Sales Engineer", "Sales", "Dubai", "Asia/Dubai", 690),
    Person(
        "UDEMO030",
        "Elena Petrova",
        "Product Manager, Expense Hub",
        PRODUCT_DEPARTMENT,
        "Amsterdam",
        "Europe/Amsterdam",
        1020,
    ),
    Person(
        "UDEMO031", "Sam Taylor", "Product Manager, Support Console", PRODUCT_DEPARTMENT, "London", "Europe/London", 880
    ),
    Person(
        "UDEMO032",
        "Noor Rahman",
        "Product Manager, ShiftPlanner",
        PRODUCT_DEPARTMENT,
        "Toronto",
        "America/Toronto",
        560,
    ),
    Person("UDEMO033", "Chris Novak", "Account Executive", "Sales", "Denver", "America/Denver", 330),
    Person("UDEMO034", "Laura Schmidt", "Sales Operations Analyst", "Sales", "Munich", "Europe/Berlin", 940),
    Person("UDEMO035", "Victoria Adeyemi", "Finance Controller", "Finance", "London", "Europe/London", 1480),
    Person(
        "UDEMO036", "Henrik Larsen", "Accounts Payable Specialist", "Finance", "Copenhagen", "Europe/Copenhagen", 600
    ),
    Person("UDEMO037", "Julia Kowalska", "Accountant", "Finance", "Warsaw", "Europe/Warsaw", 210),
    Person("UDEMO038", "Arjun Mehta", "Software Engineer", "Engineering", "Bengaluru", "Asia/Kolkata", 120),
    Person("UDEMO039", "Zoe Anderson", "Support Specialist", "Support", "Sydney", "Australia/Sydney", 350),
    Person("UDEMO040", "Carlos Mendes", "Shift Coordinator", "Operations", "Lisbon", "Europe/Lisbon", 480),
)

ENG_ANNOUNCE = Channel("CDEMOENG", "eng-announce", "Engineering news and launches")
OPS = Channel("CDEMOOPS", "ops", "Operations floor: shifts, logistics, facilities")
SUPPORT_FLOOR = Channel("CDEMOSUP", "support-floor", "The support team's day-to-day")
LEADERSHIP = Channel("CDEMOLEAD", "leadership", "Directors and executives")
GENERAL = Channel("CDEMOGEN", "general", "Company-wide announcements")
CHANNELS = (ENG_ANNOUNCE, OPS, SUPPORT_FLOOR, LEADERSHIP, GENERAL)

# Who hears about releases, and how (PRODUCT.md): executives by DM, the directors and leads who build and run the
# products with us in full, the curious in a channel, the people whose daily work changes gently, in their channels.
STAKEHOLDER_MAP: dict[str, tuple[str, ...]] = {
    "lion": ("UDEMO001", "UDEMO002", "UDEMO003"),
    "elephant": ("UDEMO004", "UDEMO005", "UDEMO012", "UDEMO019", "UDEMO035", LEADERSHIP.id),
    "monkey": ("UDEMO027", "UDEMO034", ENG_ANNOUNCE.id),
    "deer": ("UDEMO015", "UDEMO023", "UDEMO036", "UDEMO040", SUPPORT_FLOOR.id, OPS.id),
}

# Who owns which product: their releases, their pulses' launches.
PRODUCT_OWNERS = {EXPENSES: "UDEMO030", SUPPORT_CONSOLE: "UDEMO031", SCHEDULING: "UDEMO032"}
MAP_DRAWN_BY = PRODUCT_OWNERS[EXPENSES]


def person(person_id: str) -> Person:
    return next(p for p in PEOPLE if p.id == person_id)


def product_managers() -> tuple[Person, ...]:
    return tuple(p for p in PEOPLE if p.department == PRODUCT_DEPARTMENT)


def employees() -> tuple[Person, ...]:
    """The people who use the internal products day to day and tell us about them: everyone but the executives."""
    return tuple(p for p in PEOPLE if p.department != "Leadership")
