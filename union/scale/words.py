"""The words the national data set is made of: people's names, field offices and their
time zones, the units members are sent to, and what members and reps write.

Nobody here is real; every address the generator makes is on example.org.
"""

FIRST_NAMES = (
    "Aaliyah", "Adam", "Aisha", "Alejandro", "Amanda", "Andre", "Angela", "Anthony", "Ashley",
    "Brandon", "Brian", "Camila", "Carlos", "Carmen", "Chen", "Christopher", "Crystal", "Daniel",
    "Darnell", "David", "Deborah", "DeShawn", "Diana", "Dmitri", "Elena", "Emily", "Eric",
    "Fatima", "Gabriel", "Grace", "Hannah", "Hector", "Ibrahim", "Isabel", "Jamal", "James",
    "Jasmine", "Jennifer", "Jessica", "Jose", "Joseph", "Juan", "Karen", "Kevin", "Keisha",
    "Laura", "Linda", "Lorraine", "Luis", "Marcus", "Maria", "Mark", "Megan", "Michael",
    "Minh", "Monica", "Nadia", "Nicole", "Omar", "Patricia", "Priya", "Rachel", "Ramon",
    "Robert", "Rosa", "Samuel", "Sarah", "Sofia", "Stephanie", "Tanya", "Terrence", "Thomas",
    "Tiffany", "Victor", "Wei", "William", "Yolanda", "Zainab",
)  # fmt: skip

LAST_NAMES = (
    "Adams", "Alvarez", "Anderson", "Baker", "Bell", "Brooks", "Brown", "Campbell", "Carter",
    "Castillo", "Chen", "Clark", "Coleman", "Collins", "Cruz", "Davis", "Delgado", "Diaz",
    "Edwards", "Evans", "Flores", "Foster", "Garcia", "Gomez", "Gonzalez", "Gray", "Green",
    "Haddad", "Hall", "Harris", "Hernandez", "Hill", "Hughes", "Jackson", "Jenkins", "Johnson",
    "Jones", "Kim", "King", "Lee", "Lewis", "Lopez", "Martin", "Martinez", "Mitchell", "Moore",
    "Morales", "Murphy", "Nguyen", "Okafor", "Ortiz", "Parker", "Patel", "Perez", "Phillips",
    "Price", "Ramirez", "Reed", "Reyes", "Rivera", "Roberts", "Robinson", "Rodriguez", "Romero",
    "Ruiz", "Sanchez", "Scott", "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Torres",
    "Tran", "Turner", "Walker", "Washington", "Whitaker", "White", "Williams", "Wilson", "Wright",
    "Young",
)  # fmt: skip

# Field offices: (city, state, IANA time zone). Chapters are spread over them.
CITIES = (
    ("Atlanta", "GA", "America/New_York"), ("Baltimore", "MD", "America/New_York"),
    ("Boston", "MA", "America/New_York"), ("Charlotte", "NC", "America/New_York"),
    ("Detroit", "MI", "America/Detroit"), ("Miami", "FL", "America/New_York"),
    ("New York", "NY", "America/New_York"), ("Newark", "NJ", "America/New_York"),
    ("Philadelphia", "PA", "America/New_York"), ("Washington", "DC", "America/New_York"),
    ("Chicago", "IL", "America/Chicago"), ("Dallas", "TX", "America/Chicago"),
    ("Houston", "TX", "America/Chicago"), ("Kansas City", "MO", "America/Chicago"),
    ("Minneapolis", "MN", "America/Chicago"), ("Nashville", "TN", "America/Chicago"),
    ("New Orleans", "LA", "America/Chicago"), ("San Antonio", "TX", "America/Chicago"),
    ("St. Louis", "MO", "America/Chicago"), ("Albuquerque", "NM", "America/Denver"),
    ("Denver", "CO", "America/Denver"), ("El Paso", "TX", "America/Denver"),
    ("Salt Lake City", "UT", "America/Denver"), ("Phoenix", "AZ", "America/Phoenix"),
    ("Tucson", "AZ", "America/Phoenix"), ("Las Vegas", "NV", "America/Los_Angeles"),
    ("Los Angeles", "CA", "America/Los_Angeles"), ("Portland", "OR", "America/Los_Angeles"),
    ("Sacramento", "CA", "America/Los_Angeles"), ("San Diego", "CA", "America/Los_Angeles"),
    ("San Francisco", "CA", "America/Los_Angeles"), ("Seattle", "WA", "America/Los_Angeles"),
    ("Anchorage", "AK", "America/Anchorage"), ("Honolulu", "HI", "Pacific/Honolulu"),
    ("San Juan", "PR", "America/Puerto_Rico"),
)  # fmt: skip

# The components whose staff the union represents (catalogue codes), with the kind of
# office a chapter of theirs is, and how each chapter's contract counts a grievance window.
HOME_COMPONENTS = (
    ("IRS-CI", "{city} Field Office"),
    ("IRS", "{city} Campus and Field Offices"),
    ("USCIS", "{city} Field Office"),
    ("USCIS-FDNS", "FDNS {city}"),
    ("BOP", "Federal Correctional Complex, {city}"),
    ("USMS", "District of {state}, {city}"),
    ("DEA", "{city} Division"),
    ("ATF", "{city} Field Division"),
    ("DSS", "Diplomatic Security Service, {city} Field Office"),
    ("CBP", "{city} Field Operations"),
    ("FBI", "{city} Field Office"),
)
# Where members are sent (catalogue codes), most often ICE.
RECEIVING_COMPONENTS = (("ICE-ERO", 60), ("ICE-HSI", 20), ("CBP", 8), ("USMS", 7), ("BOP", 5))

UNITS = (
    "ERO {city} Fugitive Operations",
    "ERO {city} Detention Docket",
    "Removal flight escort, {city}",
    "{city} ICE Processing Center",
    "HSI {city} Document and Benefit Fraud Task Force",
    "HSI {city} Worksite Enforcement",
    "Special deputation, District of {state}",
    "{city} Joint Immigration Task Force",
    "ERO {city} Transportation",
    "{city} Staging Facility",
)

STATEMENTS = (
    "My supervisor emailed that my name was put forward for the task force and that I am "
    "expected to say if I'm available by Friday.",
    "I was told in a staff meeting that our squad will support immigration arrests two days "
    "a week starting next month.",
    "I have never made a civil immigration arrest and nobody has mentioned training.",
    "Nobody has said anything about overtime, premium pay or per diem.",
    "The detail memo says 120 days but the reply came from a supervisor outside my chain.",
    "My telework agreement was suspended without notice so that I can report on site.",
    "We were sworn in as special deputies after a one-hour briefing.",
    "The escort shifts are overnight with no relief officer.",
    "I care for my mother and cannot travel on two days' notice.",
    "Several coworkers got the same email; some are on probation and afraid to answer.",
    "The memo calls it voluntary but the email says names will be assigned if nobody answers.",
    "I was asked to carry my duty weapon on removal flights without firearms requalification.",
)
SAFETY = (
    "No body armor issued for arrest operations.",
    "Housing units staffed at half strength during transport runs.",
    "Overnight removal flights with no relief officer.",
    "No use-of-force training for detainee custody.",
)
HARDSHIP = (
    "Single parent; the operations start at 6 a.m.",
    "Caring for a family member; travel on short notice is not possible.",
    "A two-hour commute each way to the new site.",
)
ARTICLES = (
    "Article 9 (details and assignments)",
    "Article 47 (telework)",
    "Article 9 (details); Article 32 (overtime)",
    "Article 18 (hours of work); Article 47 (telework)",
)
NOTES = (
    "Called the member; they will forward the original email.",
    "Same solicitation as the other notices from this office.",
    "Asked the chapter president to raise it at the labor-management meeting.",
    "Management has not answered the information request yet.",
    "Checked the contract: the details article requires notice to the union.",
    "Member is on probation; keep contact through personal email only.",
    "Drafted the grievance; waiting for the member's signature.",
    "Spoke with the national office about the deputation question.",
)
REPLIES = (
    "Thank you for reporting this. We have asked management for the roster and the legal "
    "basis for the detail.",
    "You do not have to volunteer. If you are directed, tell us right away.",
    "We filed a grievance on your behalf; the step 1 meeting is being scheduled.",
    "Management agreed to postpone the start date while we bargain over it.",
    "Please keep every email about this; forward them to your personal address.",
    "We met with the Field Office Director today and will write again this week.",
)
UPDATES = (
    "The start date moved up a week.",
    "I received two days of training, none on arrests.",
    "The detail was extended by another 60 days.",
    "I am back on my regular duties as of Monday.",
)
EXTENSION_REASON = "Management agreed in writing to extend the window."
MANAGERS = (
    ("Special Agent in Charge", "SAC"),
    ("Field Office Director", "FOD"),
    ("Assistant Director", "AD"),
    ("Warden", "Warden"),
    ("Deputy Chief", "Deputy Chief"),
)
