"""Words shoppers use: kinds of products, colours, features, people they buy for.

General English, not the demo store's: a store with other products adds its own
groups here (or a word its product names already use needs none). A word in one
group names the same kind of thing as every other word of the group.
"""

from __future__ import annotations

import re

# Kinds of products that customers call by several names.
TYPE_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split(","))
    for group in (
        "headphone,earbud,earphone,headset,airpod,bud,earbuds,headphones",
        "speaker,soundbox",
        "smartwatch,watch,fitness tracker,tracker,fitbit",
        "charger,power adapter,plug,power brick,adapter",
        "webcam,web camera,web cam,cam",
        "skillet,frying pan,pan,fry pan,frypan",
        "blender,smoothie maker",
        "grinder,coffee grinder,burr grinder,coffee mill",
        "knife,knive,chef knife",
        "duvet cover,duvet,bedding,quilt cover,comforter cover,doona",
        "container,tupperware,lunch box,lunchbox,food storage",
        "sweater,jumper,pullover,knit,knitwear",
        "jacket,coat,raincoat,anorak,parka,windbreaker,rain coat",
        "t-shirt,tshirt,tee,shirt,top",
        "chino,trouser,pant,slack",
        "vest,gilet,bodywarmer,body warmer",
        "shoe,footwear,runner,trainer,sneaker,kick",
        "boot,hiking boot,walking boot",
        "loafer,slip-on,slip on,moccasin",
        "serum,face serum",
        "sunscreen,sunblock,sun cream,suncream,sun screen,spf",
        "shampoo,shampoo bar",
        "lip balm,chapstick,lip care,lipbalm",
        "mat,yoga mat,exercise mat",
        "bottle,water bottle,flask,thermos,drink bottle",
        "tent",
        "dumbbell,weight,free weight",
        "headlamp,head torch,head lamp,headtorch,torch,flashlight",
        "block,building block,wooden block,lego",
        "board game,game,strategy game",
        "puzzle,jigsaw,jigsaw puzzle",
        "car,rc car,remote control car,toy car",
        "cookbook,recipe book,cook book,cookery book",
        "field guide,guide book,guidebook",
        "novel,book,mystery,paperback,hardcover",
        "garden bed,raised bed,planter",
        "shear,secateur,pruner,clipper",
        "light,lamp,lantern",
        "watering can",
        "dog bed,pet bed",
        "scratching post,cat scratcher,scratcher,cat tree",
        "leash,lead,dog lead",
        "bowl,feeder,dog bowl,pet bowl,food bowl",
    )
)

# A modifier that names one of these is met by any of the group's words in a product's text.
FEATURE_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split(","))
    for group in (
        "wireless,bluetooth,cordless",
        "waterproof,ipx7,water-resistant,water resistant,weatherproof,rainproof",
        "noise cancelling,noise-cancelling,anc,noise canceling,noise cancellation",
        "rechargeable,usb-c,battery",
        "non-slip,nonslip,grippy,non slip",
        "dog,puppy,pup",
        "cat,kitten,kitty",
        "running,jogging,run",
        "hiking,hike,trekking,trail,walking",
        "camping,backpacking,camp",
        "kitchen,cooking,cook",
        "coffee,espresso",
        "mic,microphone",
        "kid,child,children,toddler,ages",
        "organic,natural",
        "cast iron,cast-iron",
    )
)

# Words that name a whole department, beyond the category names themselves.
CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    "electronic": ("electronics",), "tech": ("electronics",), "gadget": ("electronics",),
    "gizmo": ("electronics",),
    "kitchen": ("home & kitchen", "home and kitchen"), "home": ("home & kitchen", "home and kitchen"),
    "kitchenware": ("home & kitchen",), "cookware": ("home & kitchen",),
    "clothes": ("clothing",), "clothing": ("clothing",), "apparel": ("clothing",), "outfit": ("clothing",),
    "beauty": ("beauty",), "skincare": ("beauty",), "skin": ("beauty",), "cosmetic": ("beauty",),
    "makeup": ("beauty",), "toiletry": ("beauty",),
    "sport": ("sports & outdoors",), "fitness": ("sports & outdoors",), "outdoor": ("sports & outdoors",),
    "gym": ("sports & outdoors",),
    "toy": ("toys & games",), "game": ("toys & games",),
    "book": ("books",), "reading": ("books",),
    "garden": ("garden",), "gardening": ("garden",), "yard": ("garden",),
    "pet": ("pet supplies",),
}  # fmt: skip
# Modifiers that say how good or big, not which kind: never a reason to say "we don't have that".
SOFT_MODIFIERS = frozenset(
    """big small large little huge tiny warm cool cute pretty lovely fancy simple basic fast quick slow light
    heavy long short durable sturdy strong comfy comfortable soft hard easy portable compact decent solid
    reliable proper real actual normal regular standard classic modern stylish nice good great best better top
    quality high low premium luxury cheap budget affordable family everyday daily old young men mens women
    womens unisex adult adults kids kid children boys girls""".split()
)

# Colours a customer names -> the colour words of the catalogue that count as that colour.
COLOUR_FAMILIES: dict[str, frozenset[str]] = {
    "black": frozenset({"black", "charcoal"}),
    "white": frozenset({"white", "oat", "oatmeal", "cream", "ivory"}),
    "grey": frozenset({"grey", "gray", "charcoal", "heather grey", "silver", "stone"}),
    "blue": frozenset({"blue", "navy", "sky blue", "teal"}),
    "navy": frozenset({"navy"}),
    "green": frozenset({"green", "forest green", "sage", "olive", "teal"}),
    "red": frozenset({"red", "rust", "terracotta"}),
    "pink": frozenset({"pink", "rose gold", "rose"}),
    "purple": frozenset({"purple", "plum", "violet"}),
    "brown": frozenset({"brown", "tan", "khaki", "sand", "walnut"}),
    "beige": frozenset({"beige", "sand", "stone", "oat", "khaki", "tan"}),
    "yellow": frozenset({"yellow", "mustard"}),
    "orange": frozenset({"orange", "rust", "terracotta"}),
    "silver": frozenset({"silver", "grey"}),
    "gold": frozenset({"gold", "rose gold"}),
}
COLOUR_ALIASES = {"gray": "grey", "colour": "", "color": ""}
# Catalogue colours that customers also name on their own.
CATALOGUE_COLOURS = frozenset(
    {"teal", "sage", "olive", "plum", "rust", "terracotta", "khaki", "tan", "sand", "stone", "charcoal",
     "oat", "navy", "sky blue", "rose gold", "heather grey", "forest green", "silver"}
)  # fmt: skip

# People one buys for; said back to the customer ("ideas for your dad").
RECIPIENTS = frozenset(
    """dad father mum mom mother parents sister brother son daughter husband wife boyfriend girlfriend bf gf
    partner friend grandpa grandad granddad grandfather grandma granny grandmother nephew niece kid kids child
    children baby toddler teenager teen coworker co-worker colleague boss teacher uncle aunt cousin neighbour
    neighbor fiance fiancee""".split()
)
GIFT_WORDS = frozenset(
    {"gift", "gifts", "present", "presents", "stocking filler", "birthday", "christmas", "xmas"}
)

# Words that say nothing about which product is meant.
FILLER = frozenset(
    """a an the some any anything something stuff thing things item items product products one ones good nice
    great decent new cheap cheaper cheapest affordable inexpensive budget quality best top popular proper
    really very super pretty quite little bit lot please pls plz thanks thx ideally maybe perhaps like just
    also too i me my mine we us our you your u ur he she him her his they them their it its this that these
    those who which what whats what's where when how do does did is are was were be been am have has had got
    get gets need needs want wants wanted looking look find show see tell give buy purchase order sell sells
    selling carry stock stocked available availability can could would should will shall may might must hi
    hello hey ok okay so well and or but if then than for of to in on at by with from about as into onto
    idea ideas suggestion suggestions recommend recommendation option options kind sort type types
    range selection gift gifts present presents someone somebody anyone person guy girl man woman lady folks
    birthday christmas xmas year years old yo soon next week today tomorrow right now actually honestly lol
    ya yeah yes no not dont don't doesnt doesn't im i'm ive i've id i'd mum's dad's whole every all more
    other another else instead similar same different enough size sizes colour color colours colors
    price prices cost costs dollar dollars bucks usd euro euros pound pounds spend spending max maximum
    min minimum around about approx approximately under below over above less more least most between
    cheap expensive pricey money guys guy he's she's hes shes they're theyre everything nothing anything
    happy glad even sold out stock instance example thinking wondering interested would've gonna wanna
    gotta lemme let me's anyway though tho btw by way real died broke broken break stopped working work
    works bought ordered use used using mine yours ours theirs sell sold carry carried go going only cheep
    getting gets we're were wait oh ah hmm um""".split()
)

# Questions that compare the shown products on one attribute: cue -> (attribute, largest wins?).
SUPERLATIVES: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), attribute, largest)
    for pattern, attribute, largest in (
        (r"\b(cheapest|least expensive|lowest price|cheaper|most affordable)\b", "price", False),
        (r"\b(most expensive|priciest|dearest|highest price|pricier)\b", "price", True),
        (
            r"\b(longest|most) (battery|charge|playback|lasting)"
            r"|\blasts? (the )?longest\b|\blongest on a charge\b",
            "hours",
            True,
        ),
        (r"\b(fastest|quickest|speediest)\b", "speed", True),
        (r"\b(brightest)\b", "lumens", True),
        (r"\b(most powerful|strongest)\b", "watts", True),
        (r"\b(lightest)\b", "weight", False),
        (r"\b(heaviest)\b", "max", True),
        (r"\b(biggest|largest|roomiest)\b", "size", True),
        (r"\b(smallest)\b", "size", False),
        (r"\b(longest|thickest)\b", "length", True),
        (r"\b(tallest)\b", "height", True),
    )
)
# When the compared attribute is missing, these stand in for it (a tent's size is its people).
ATTRIBUTE_STAND_INS: dict[str, tuple[str, ...]] = {
    "size": ("people", "capacity", "count", "pieces", "height", "length", "volume", "thickness"),
    "max": ("weight",),
    "length": ("pages", "thickness", "minutes"),
}

_PLURAL_ES = re.compile(r"(ch|sh|ss|x)es$")


def singular(word: str) -> str:
    """A crude singular: 'boxes' -> 'box', 'shoes' -> 'shoe', 'knives' -> 'knive' (groups list both)."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if _PLURAL_ES.search(word):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


def group_of(phrase: str, groups: tuple[frozenset[str], ...]) -> frozenset[str] | None:
    """The group a word or phrase belongs to, if any."""
    return next((group for group in groups if phrase in group), None)
