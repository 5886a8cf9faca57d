"""Round-4 probe frames: shapes the earlier probes and the dev templates lack, written for this project.

Forms and CSV-like lines, bullet lists, mail headers and signatures, chat lines, questions, reported speech, birth
dates asked for and answered, birth cues after or far from the date, and many plain dates that must survive
(incident dates, deadlines, ranges, "as of", time stamps, weekdays), companies of many shapes and countries,
addresses and phones of several countries. The words are ours; no frame comes from presidio-evaluator's
templates. `probes.py` renders them after its first frames, so the earlier probe sentences stay as they were.
"""
from __future__ import annotations

import datetime
import random
from typing import Callable

# Slots beyond probes.py's: {addr} a street address, {city} a town, {phone} a phone (PII); negatives: {company}
# a company of any shape, {stamp} a date with a time, {weekday} "Monday", {daymonth} "Monday 3 May",
# {year} "2019", {age} "42", {month} "March 2024".
FRAMES_ROUND4 = [
    # forms, CSV and tables
    "Full name: {name}\nBirth date: {dob}\nPhone: {phone}",
    "Policyholder | {name} | born {dob} | {phone}",
    "- Name: {name}\n- Date of birth: {dob}\n- Incident date: {date}",
    "Insured: {name}, DOB {dob}, tel. {phone}",
    "surname;given name;date of birth;phone\n{last};{first};{dob};{phone}",
    "{name},{phone},{company}",
    "| {name} | {job} | {company} |",
    "Applicant's date of birth (dd/mm/yyyy): {dob}",
    "Date of birth of the claimant .......... {dob}",
    "Born: {dob} | Joined: {date}",
    "Age: {age}\nBirthdate: {dob}",
    "Name of insured: {name}\nAddress: {addr}",
    "Handled by: {first} {last}",
    "Participants:\n1. {name}\n2. {name}\n3. {name}",
    # birth dates phrased many ways
    "{name}, {age}, born {dob}, lives at {addr}.",
    "Her DoB is {dob} and the loss happened on {date}.",
    "My son {first} was born {dob}, so he is {age} now.",
    "{dob} (date of birth)",
    "The patient, born on the {dob}, was seen on {date}.",
    "What is your date of birth?\n{dob}",
    "> can you confirm your DOB?\nsure, {dob}",
    "{name} celebrates her birthday on {dob}.",
    "The insured's birth date, as shown on the passport, is {dob}.",
    "She was born in {city} on {dob}.",
    "{first}'s date of birth: {dob}; claim opened {date}.",
    # plain dates: must survive
    "The incident happened on {date}.",
    "Policy valid from {date} to {date}.",
    "As of {date}, the balance is {amount}.",
    "Document dated {date}; ref {claim}.",
    "Deadline: {date}",
    "On {daymonth} the adjuster visits the site.",
    "Sent: {weekday}, {date}",
    "Last updated {stamp}",
    "The claim was filed in {year} and closed in {year}.",
    "Birthday party on {date} cancelled because of the storm.",
    "I was born in {city}, but the accident was on {date}.",
    "Date of loss: {date}",
    "Invoice date {date}, due {date}",
    "Repairs took place between {date} and {date}.",
    "Timestamp: {stamp}",
    "Start date: {date}\nEnd date: {date}",
    "Date of incident: {date}",
    "The office is closed on {weekday}s in {month}.",
    "Payment of {amount} was made on {daymonth}.",
    "Next review: {weekday} {date}",
    # organisations: must survive
    "{company} confirmed the repair.",
    "Quote from {company}: {amount}",
    "Vendors: {company}, {company}, {company}",
    "We bought the {product} at {company}.",
    "- {company}\n- {company}",
    "CONTRACTOR: {company}",
    "Paid to {company} on {date}.",
    "The contractor, {company}, sent an invoice for {amount}.",
    "{name} from {company} called about {claim}.",
    "{name} works for {company} as a {job}.",
    "Our partners at {company} approved it.",
    "Is {company} still on the approved list?",
    "{company} and {company} merged in {year}.",
    # people without cue words, addresses and phones
    "{name}, {phone}",
    "{name}\n{addr}\n{phone}",
    "{last}, {first} - {job}",
    "Notes: {name} disputes the amount.",
    "[10:42] {first}: ok, sending the photos now",
    "Who is {name}?",
    "Was {name} in the car?",
    "Photos by {name}.",
    "Customer {name} wants a callback on {phone}.",
    "{name} has been a customer since {year}.",
    "{first}'s car was parked outside.",
    "The car belongs to {name}.",
    "Thanks to {name} and {name} for the help.",
    '{name} said: "the water came through the ceiling"',
    "Regarding your call, {first}: the claim is approved.",
    "Emergency contact: {name}, {phone}",
    "@{first} can you check this?",
    "Ship to: {addr}",
    "I live at {addr}.",
    "The property at {addr} was flooded.",
    "Address: {addr}\nTel: {phone}",
    "We moved from {city} to {city} last year.",
    "Call me on {phone} after six.",
    "Mobile: {phone}",
    # people in running text, no cue word before them
    "{name} is a nurse at the local hospital.",
    "Yesterday {name} sent me the photos.",
    "I had lunch with {name} on {weekday}.",
    "The report was written for {name}.",
    "Did you hear from {first}?",
    "Both {first} and {first} were at home.",
    "We are waiting for {name} to sign.",
    "{name}'s claim was approved on {date}.",
    "The keys are with {first}.",
    "I think {first} knows the adjuster.",
    "Without {name} we would have lost the file.",
    "{name}, the owner of the flat, is abroad.",
    "{name} -> please review",
    "Please ask {name} or {name} for the keys.",
    "She married {name} in {year}.",
    "{first} says the {product} still works.",
    "a message from {first}: call me",
    "Copy to {name}, {job}, {company}",
    "Ticket assigned to {name}.",
    "{first} is on holiday until {date}.",
    "The tenant ({name}) moved out.",
    "{name} and {company} signed the lease on {date}.",
]
# Hand-written company names of shapes Faker does not make (brands, acronyms, places and surnames in a name).
COMPANIES = [
    "Acme Roofing Ltd", "BrightPath Logistics", "Northwind Traders", "Globex Corporation", "Initech",
    "Umbrella Insurance Group", "Morgan & Finch LLP", "Harper Construction", "Davies Plumbing Ltd",
    "Kowalski Brothers", "Rossi e Figli S.p.A.", "Zentrix", "Quantiva Health", "The Roof Company",
    "Bank of Lindmark", "Dallas Glass Repair", "London Bridge Motors", "ABC Holdings", "BGH Capital",
    "SUNRISE AUTO BODY", "Blue Harbor Marine", "Oakridge Property Management", "Pacific Crest Bank",
    "Hoffmann Elektro GmbH", "Café Lumière", "Nordic Timber AB", "Vantage Point Advisors", "Redwood Legal",
    "MetroCare Clinics", "First Lakeside Credit Union", "Jensen & Sons", "Grupo Almeida", "Keller Williams Realty",
    "St. Mary's Hospital", "Clearwater Adjusters Inc.", "Evergreen Landscaping", "TechNova Solutions",
    "Summit Ridge Capital", "Patel Pharmacy", "O'Brien Electrical",
]
COMPANY_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL", "sv_SE", "da_DK", "pl_PL"]
PLACE_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "sv_SE", "it_IT", "es_ES"]
# it_IT's city() draws from a set, so its order changes from one process to the next: no cities from it here.
CITY_LOCALES = [loc for loc in PLACE_LOCALES if loc != "it_IT"]
TYPES_ROUND4 = {"addr": "LOCATION", "city": "LOCATION", "phone": "PHONE_NUMBER"}
NEGATIVES_ROUND4 = {"company": "ORGANIZATION", "stamp": "DATE", "weekday": "DATE", "daymonth": "DATE",
                    "year": "DATE", "age": "AGE", "month": "DATE"}


def round4_values(seed: int) -> dict[str, Callable[[], str]]:
    """Value makers for the round-4 slots, seeded apart from probes.py's so its earlier output stays the same."""
    from faker import Faker

    rng = random.Random(seed)
    companies = Faker(COMPANY_LOCALES)
    companies.seed_instance(seed + 1)
    places = Faker(PLACE_LOCALES)
    places.seed_instance(seed + 2)
    cities = Faker(CITY_LOCALES)
    cities.seed_instance(seed + 4)

    def day() -> datetime.date:
        return datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(11 * 365))

    def company() -> str:
        if rng.random() < 0.4:
            return rng.choice(COMPANIES)
        name = companies.company()
        while " " not in name and "-" not in name:  # a bare surname is no company name a reader could tell
            name = companies.company()
        return name

    def address() -> str:
        value = places.address()
        return value.replace("\n", ", ") if rng.random() < 0.5 else value

    def stamp() -> str:
        d = datetime.datetime.combine(day(), datetime.time(rng.randrange(24), rng.randrange(60), rng.randrange(60)))
        return d.isoformat(sep=rng.choice([" ", "T"]))

    return {
        "addr": address, "city": lambda: cities.city(), "phone": lambda: places.phone_number(),
        "company": company, "stamp": stamp,
        "weekday": lambda: day().strftime("%A"),
        "daymonth": lambda: (lambda d: f"{d.strftime('%A')} {d.day} {d.strftime('%B')}")(day()),
        "year": lambda: str(rng.randint(1995, 2025)), "age": lambda: str(rng.randint(18, 90)),
        "month": lambda: day().strftime("%B %Y"),
    }
