"""Word lists the judgement rests on. Data, not logic: the cue component and attribution turn
them into patterns and checks."""

# Lemmas of verbs that attribute content to a source ("X said", "Y reported").
REPORTING_VERBS = frozenset(
    """
    say tell report announce state claim write tweet post add explain note confirm deny reveal
    disclose admit acknowledge testify argue insist contend maintain assert allege warn caution
    predict suggest indicate show find conclude estimate describe call characterize label brand
    accuse criticize blame praise defend charge complain lament declare proclaim pledge promise
    vow threaten urge recommend propose ask question wonder reply respond answer retort counter
    recall recount remember recognize concede agree disagree dispute reject dismiss stress
    emphasize highlight point observe remark comment mention cite quote quip joke boast brag
    concur affirm reiterate repeat relay inform notify advise brief signal hint imply speculate
    believe think feel say email text message reportedly learn discover determine rule order
    decide conclude testify document detail outline publish air broadcast feature
    """.split()
)

# Speech acts told in the writer's words: with an identifiable subject they report what it
# said even with no clause or quotation after them ("Russia has denied responsibility", "the
# White House called the process a sham"; GUIDELINES, settled cases).
SPEECH_ACT_VERBS = frozenset(
    """
    say tell deny admit apologize apologise announce urge accuse call criticize criticise blame
    praise defend condemn protest warn thank insist argue claim tweet post write testify confirm
    reveal acknowledge concede pledge promise vow threaten demand ask dismiss reject slam blast
    decry denounce extol hail applaud endorse rebuke scold mock ridicule lambast deride disparage
    tout insult challenge dispute describe label brand characterize question reiterate repeat
    declare proclaim allege complain lament plead appeal implore rule veto
    """.split()
)

# Institutions whose bare plural speaks on the record ("Police said", "Prosecutors allege").
INSTITUTION_NOUNS = frozenset(
    """
    police prosecutors officers firefighters doctors investigators paramedics troopers deputies
    detectives medics rescuers authorities coroners regulators
    """.split()
)

# Verbs whose subject only believes or feels something: attribution of opinion.
COGNITION_VERBS = frozenset(
    """
    believe think feel fear worry hope expect suspect guess
    """.split()
)

# Nouns a source "has" or "gives" before a colon that introduces its words
# ("Dean has a more unconventional answer: he was on drugs").
STANCE_NOUNS = frozenset(
    """
    answer explanation theory view take response message warning verdict reply explanation
    assessment diagnosis version account position argument claim
    """.split()
)

# Modifiers that make any source phrase unidentifiable ("two unnamed federal agents").
UNNAMED_WORDS = frozenset({"unnamed", "anonymous", "unidentified", "undisclosed"})

# Nouns that mark an unidentifiable source when they head the source phrase.
VAGUE_SOURCE_NOUNS = frozenset(
    """
    some many most several few others someone somebody anyone people folks critic critics expert
    experts official officials source sources insider insiders observer observers analyst
    analysts commentator commentators rumor rumors rumour rumours report reports study studies
    research researcher researchers scientist scientists witness witnesses onlooker onlookers
    aide aides staffer staffers employee employees person persons producer conservative
    conservatives liberal liberals democrat democrats republican republicans supporter
    supporters opponent opponents pundit pundits voice voices account accounts individual
    individuals member members official spokesperson spokesman spokeswoman whistleblower
    whistleblowers leak leaks word speculation
    """.split()
)

# Words that signal an unnamed source wherever they stand.
VAGUE_ADVERBS = frozenset(
    """
    reportedly allegedly purportedly supposedly apparently rumoredly ostensibly
    """.split()
)

# Patterns (lower-case token sequences) that mark vague attribution on their own.
VAGUE_PHRASES = (
    "it is reported",
    "it was reported",
    "it has been reported",
    "it is said",
    "it was said",
    "it is believed",
    "it was believed",
    "it is rumored",
    "it was revealed",
    "it has been revealed",
    "it is alleged",
    "it was alleged",
    "it is claimed",
    "it was claimed",
    "is said to",
    "are said to",
    "was said to",
    "were said to",
    "is believed to",
    "are believed to",
    "is rumored to",
    "is thought to",
    "are thought to",
    "rumors have",
    "rumours have",
    "word is",
    "sources say",
    "sources said",
    "sources told",
    "some say",
    "some said",
    "some have",
    "many say",
    "many believe",
    "many have",
    "studies show",
    "studies have shown",
    "research shows",
    "experts say",
    "experts believe",
    "critics say",
    "critics argue",
    "according to sources",
    "according to reports",
    "according to some",
    "according to many",
    "people familiar with",
    "people close to",
    "those close to",
    "a source close to",
    "sources close to",
    "unnamed",
    "anonymous",
    "unidentified",
    "anonymous sources",
    "has been revealed",
    "have been circulating",
    "has been circulating",
    "is circulating",
    "are circulating",
)

# Nouns that name a document when a named source or a definite article goes with them.
DOCUMENT_NOUNS = frozenset(
    """
    minutes transcript testimony court affidavit
    report study survey poll analysis data memo letter filing document documents record records
    statement release lawsuit complaint indictment ruling order transcript audit review census
    investigation findings figures statistics paper book database email emails cable cables
    tweet tweets video footage recording recordings filings letters memos files
    """.split()
)

# Words that make a statement sweeping.
SWEEPING_WORDS = frozenset(
    """
    all every everyone everybody everything never always none nobody nothing no-one entire
    totally completely ever whole
    """.split()
)

# Words of evaluation and opinion when they carry the sentence.
OPINION_WORDS = frozenset(
    """
    fair unfair good bad great terrible awful horrible wonderful disgusting shameful ridiculous
    absurd pathetic outrageous insane crazy stupid dumb silly amazing incredible beautiful ugly
    sad tragic funny hilarious interesting obvious clearly surely certainly honestly frankly
    arguably hopefully unfortunately fortunately sadly thankfully luckily pretty shocking
    oppressive intolerant hypocritical hypocrisy disgrace disgraceful despicable deplorable
    wrong right best worst better worse should must ought deserve deserves
    """.split()
)

# Lines of page furniture rather than article text.
BOILERPLATE_PATTERNS = (
    r"^by\s+[A-Z][\w.'’-]*(\s+(and\s+)?[A-Z][\w.'’-]*){0,4}\s*$",
    r"^(photo|photos|image|images|featured image|video|credit|credits)\b[^.]{0,80}$",
    r"^(share|tweet|email|print|subscribe|follow|click|read more|related|advertisement"
    r"|sign up|watch|listen)\b",
    r"\b(getty images|ap photo|reuters/|afp/|shutterstock|via flickr|via youtube|via twitter|"
    r"screenshot|screen capture|image via|photo via|featured image|photo credit|image credit)\b",
    r"^(copyright|©|all rights reserved)",
    r"^(story continued below|continue reading|this article originally appeared|"
    r"this story has been updated|updated:|posted:|published:|filed under)",
)

# First- and second-person pronouns: the author speaking for themselves.
PERSONAL_PRONOUNS = frozenset(
    """
    i me my mine we us our ours you your yours
    """.split()
)
