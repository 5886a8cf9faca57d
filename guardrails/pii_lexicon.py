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
    """inc llc ltd corp co company group insurance nv ag sa plc pao bv gmbh se asa ab oyj spa kk limited corporation
    trust fund industries pharmaceuticals therapeutics properties realty financial scientifics bancorp energy
    resources technologies technology capital foundation association university college institute bankltd
    healthcare holdings etf orchestra repairs repair glass logistics towing services service motors
    bank partners holdings solutions systems labs clinic hospital garage auto plumbing roofing electric
    construction restoration rentals rental pharmacy dental realty associates sons incorporated enterprises
    laboratories pharma software""".split()
)
# More words that end a company's name, for the organisation rules only (the name and address rules keep to
# ORG_SUFFIXES): legal forms of other countries ("Jepsen A/S", "Lefort SARL", "Persson & Larsson HB") and trades
# a firm is named for ("Blue Harbor Marine", "Vantage Point Advisors", "First Lakeside Credit Union").
ORG_TAILS = ORG_SUFFIXES | frozenset(
    """aps sarl srl sl slu slne hb kb oy kg gbr ohg llp lp pty pvt ltda sro kft zrt bhd sdn sas sccl cv ev eg
    landscaping marine advisors advisers health clinics shipyard union brothers legal traders trading bakery
    consulting consultants media studios foods farms transport freight airlines mining manufacturing management
    investments ventures networks communications telecom hotels hotel builders engineering electrical cleaning
    security supplies supply stores markets mills agency studio medical motors dealership outfitters research
    analytics robotics""".split()
)
# Dotted and slashed legal forms ("S.p.A.", "s.r.l.", "Sp. z o.o.", "A/S", "e.V."), as RE2 alternatives.
ORG_DOTTED = (
    r"s\.r\.l\.?|s\.a\.r\.l\.?|s\.p\.a\.?|s\.a\.s\.?|s\.l\.(?:u\.|n\.?e\.?)?|s\.(?:com|coop)\.?|s\.c\.|"
    r"sp\.[ \t]?z[ \t]?o\.[ \t]?o\.(?:[ \t]?sp\.[ \t]?k\.)?|sp\.[ \t]?[jk]\.|a/s|s/a|e\.[ \t]?v\.|e\.[ \t]?g\.|s\.a\.|"
    r"n\.v\.|b\.v\.|a\.[sş]\.|co\.[ \t]?ltd\.?|s\.[ \t]?de[ \t]r\.l\.|y[ \t]+asociados[ \t]+s\.\p{L}+\.?"
)
# First words of a company's name in several languages ("Stichting van Northeim", "Fundacja Stempel",
# "Grupo Almeida", "Instituto Vida Plena"), and words that introduce one ("la empresa Horizonte Salud"); "Bank of"
# is matched on its own.
ORG_HEADS = frozenset(
    """stichting fundacja fundación fundacion fondazione stiftung spółdzielnia stowarzyszenie gabinety ppuh fpuh
    phu przedsiębiorstwo grupo familia comercializadora compagnie société societe banco banca cooperativa
    kancelaria firma instituto institut centro clínica clinica asociación asociacion associazione universidad
    universidade empresa organización organizacion compañía compania entreprise unternehmen azienda
    organizzazione bedrijf organisatie""".split()
)
# Words ending in "." that do not end a sentence.
ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr prof ave rd blvd no apt inc ltd co vs etc e.g i.e ste fl".split())
# Capitalised words that follow a person cue ("Customer Service", "Dear Claims Team") without naming anyone.
NOT_NAMES = COMMON_INITIAL | DOMAIN_WORDS | frozenset(
    """service support team care desk portal department adresse anschrift direccion dirección indirizzo endereço
    adres straße strasse""".split()
)
# Function words: never part of a name or a street name ("2 cats in the park" is not an address).
STOP_WORDS = frozenset(
    """the a an of in on at to for from with by and or but nor is are was were be been being my your his her our
    their its this that these those it i we you he she they me him us them as if so not no yes than then there
    here when where which who whom what how why all any some each every about into over under after before between
    during through up down out off again further once very can will just should now am do does did have has had
    please thanks thank call called hours days weeks months years minutes times items people per via near
    live lives lived living work works worked moved moving said says told asked born""".split()
)
# USPS Publication 28 street suffixes (primary names and the common abbreviations) plus UK/EU English ones.
STREET_SUFFIXES = frozenset(
    """via alley aly annex arcade avenue ave av bayou beach bend bluff bluffs bottom boulevard blvd branch bridge brook
    brooks burg burgs bypass camp canyon cape causeway center centre circle cir cliff cliffs club common commons
    corner corners course court ct courts cove coves creek crescent cres crest crossing xing crossroad curve dale dam
    divide drive dr drives estate estates expressway expy extension ext falls ferry field fields flat flats ford
    fords forest forge forges fork forks fort freeway fwy garden gardens gateway glen glens green greens grove groves
    harbor harbors harbour haven heights hts highway hwy hill hills hollow inlet island islands isle junction
    junctions key keys knoll knolls lake lakes landing lane ln light lights loaf lock locks lodge loop mall manor
    manors meadow meadows mews mill mills mission motorway mount mountain mountains neck orchard oval overpass park
    parks parkway pkwy pass passage path pike pine pines place pl plain plains plaza point points port ports prairie
    radial ramp ranch rapid rapids rest ridge ridges river road rd roads route row rue run shoal shoals shore shores
    skyway spring springs spur square sq squares station stravenue stream street st streets summit terrace ter
    throughway trace track trafficway trail trl tunnel turnpike underpass union unions valley valleys viaduct view
    views village villages ville vista walk walks wall way ways well wells close gate gdns wharf wynd fall land""".split()
)
# English place-name morphology: a "name" that starts or ends like this is a town ("Port Kevin", "Gordonborough").
# Endings that are also common surnames (-ford, -berg, -land, -field) are left out.
PLACE_PREFIXES = frozenset("north south east west new lake port fort mount saint st. upper lower".split())
PLACE_SUFFIXES = ("ville", "borough", "burgh", "bury", "chester", "haven", "mouth", "side", "stad", "town", "view",
                  "shire", "hausen", "heim", "dorf", "polis", "port")
# Common words that end like a place name ("Support", "Review", "Outside") but are not one.
NOT_PLACES = frozenset(
    """outside inside beside aside alongside countryside seaside riverside interview review preview overview view
    purview airport passport support report transport import export sport downtown uptown midtown hometown
    township newport""".split()
) - {"newport"}
# Particles inside a name ("Catharina van Susa", "Ruth de Folch").
NAME_PARTICLES = frozenset("de da di van von der den del della le la du dos das bin ibn al el y ter ten zu".split())
DETERMINERS = frozenset("the a an this that these those my our your their its his her every each any some".split())
# Name beginnings that carry a capital inside the word ("McDonald", "MacArthur", "DeShawn").
NAME_PREFIXES = ("Mc", "Mac", "O'", "O’", "D'", "De", "Da", "Di", "La", "Le", "Van", "Von", "Fitz")
# Words before a capitalised word that introduce a thing or a role, not a person ("the Hanson novel", "as Actuary").
NOT_BEFORE_NAME = DETERMINERS | frozenset({"as"})
# Nouns after a capitalised word that make it an organisation ("Dear Headlight team", "the Acme office").
GROUP_NOUNS = frozenset(
    "team office department support staff group desk service services crew committee board app shares stock".split()
)
# Honorifics and degrees of many countries that Faker-style and real names carry ("Dr. Nagyné Kiss Margit Éva",
# "Ing. Ines Budig MBA", "pan Witold Ciuła"): part of the name a reader would recognise.
TITLES_BEFORE = frozenset(
    """dr dr. prof prof. ing. dipl.-ing. univ.prof. mag. mgr. bc. doç. öğr. uz. pan pani sig. sig.ra dott. dott.ssa
    mr mr. mrs mrs. ms ms. mx mx. miss sir dame herr frau mme mme. mlle mlle. sr. sra. srta. lic. arch. ir. drs.
    okt. prof.dr. dr.ir. mevr. dhr. judr. mudr. mvdr. phdr. rndr. paní slečna dra. av. arş. gör. yrd. bay bayan fru hr
    hr. herra rouva tohtori arkkit. г-н г-жа""".split()
)
TITLES_AFTER = frozenset(
    """phd ph.d. mba mba. b.sc. b.eng. b.a. m.sc. m.a. msc bsc ma ba md dds esq. esq jr jr. sr sr. ii iii iv
    m.eng. ll.m. mph dvm csc csc. dsc dsc. dis. th.d.""".split()
)
