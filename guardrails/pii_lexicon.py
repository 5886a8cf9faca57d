"""Word lists that tell names and places apart from words capitalised for other reasons.

Shared by the pattern pass (person cues, cities after street addresses) and the NER gate (which capitalised
words deserve NER at all).
"""
from __future__ import annotations

# Words that start sentences in claims and service text; capitalised only because of their position.
COMMON_INITIAL = frozenset(
    """a an the this that these those it its i we you he she they our my your his her their me us them
    please thanks thank hello hi hey dear regards best sincerely kind ok okay yes no not note notes fyi re
    customer customers claimant client caller agent adjuster insured policyholder member user staff team
    policy claim claims payment payments payout refund amount total balance invoice ticket order device item
    approved approve denied deny declined rejected pending resolved closed open reopened escalated escalate
    reach contact call called send sent email emailed phone phoned text texted wrote write reply replied spoke
    born dob date server card account ssn iban address ip reference ref id number status update updated
    incident accident damage loss theft fire flood water storm collision reported report reports filed
    on in at for from to with after before during per by via of about regarding since until upon within
    is was are were be been has have had will would can could should shall may might must do does did
    if when while once as and but or so also then there here what which who whom whose why how where
    all any each every some many most several both either neither none new old first second third last next
    see check checked verify verified confirm confirmed receive received request requested issue issued
    pay paid transfer transferred wire scheduled schedule processed process review reviewed assess assessed
    our subject urgent important reminder follow following per attached attachment summary description""".split()
)
# Capitalised anywhere in our domain without naming anyone or anywhere.
DOMAIN_WORDS = frozenset(
    """policy claim claimant customer adjuster agent ticket payment account card server monday tuesday wednesday
    thursday friday saturday sunday january february march april june july august september october november
    december""".split()
)
# Last words that make a "name" an organisation (NER often calls "Acme Glass" a person).
ORG_SUFFIXES = frozenset(
    """inc llc ltd corp co company group insurance repairs repair glass logistics towing services service motors
    bank partners holdings solutions systems labs clinic hospital garage auto plumbing roofing electric
    construction restoration rentals rental pharmacy dental realty""".split()
)
# Words ending in "." that do not end a sentence.
ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr prof ave rd blvd no apt inc ltd co vs etc e.g i.e ste fl".split())
# Capitalised words that follow a person cue ("Customer Service", "Dear Claims Team") without naming anyone.
NOT_NAMES = COMMON_INITIAL | DOMAIN_WORDS | frozenset("service support team care desk portal department".split())
