"""Word lists the demo catalogue is generated from: categories, product kinds, brands."""

from __future__ import annotations

# category -> (brands, [(product kind, description template, {attribute: options})])
CATALOGUE: dict[str, tuple[list[str], list[tuple[str, str, dict[str, list[str]]]]]] = {
    "Electronics": (
        ["Voltra", "Aurion", "Nexa", "Kestrel"],
        [
            (
                "Wireless Earbuds",
                "True wireless earbuds with {feature} and up to {hours} hours of battery with the case.",
                {
                    "colour": ["black", "white", "navy"],
                    "feature": ["active noise cancelling", "transparency mode", "sweat resistance"],
                    "hours": ["24", "30", "36"],
                },
            ),
            (
                "Bluetooth Speaker",
                "Portable speaker with {feature}, {hours} hours of playback and a USB-C charging port.",
                {
                    "colour": ["black", "red", "teal"],
                    "feature": ["IPX7 waterproofing", "stereo pairing", "a built-in microphone"],
                    "hours": ["12", "18", "24"],
                },
            ),
            (
                "Smartwatch",
                "Fitness smartwatch with heart-rate tracking, GPS and {feature}; "
                "battery lasts {hours} hours.",
                {
                    "colour": ["black", "silver", "rose gold"],
                    "feature": ["sleep tracking", "contactless payments", "an always-on display"],
                    "hours": ["48", "72", "120"],
                },
            ),
            (
                "USB-C Charger",
                "Compact {watts} W USB-C wall charger with {feature}.",
                {"watts": ["30", "65", "100"], "feature": ["two ports", "foldable prongs", "GaN technology"]},
            ),
            (
                "Noise Cancelling Headphones",
                "Over-ear headphones with active noise cancelling, {feature} and {hours} hours of battery.",
                {
                    "colour": ["black", "silver", "sand"],
                    "feature": ["multipoint Bluetooth", "a carry case", "a wired mode"],
                    "hours": ["30", "40", "50"],
                },
            ),
            (
                "Webcam",
                "{resolution} webcam with autofocus, {feature} and a privacy shutter.",
                {
                    "resolution": ["1080p", "2K", "4K"],
                    "feature": ["dual microphones", "auto light correction", "a wide-angle lens"],
                },
            ),
        ],
    ),
    "Home & Kitchen": (
        ["Hearthly", "Casa Verde", "Oakmere", "Pantrio"],
        [
            (
                "Cast Iron Skillet",
                "Pre-seasoned {size} cast iron skillet that works on every hob, "
                "including induction, and in the oven.",
                {"size": ["8-inch", "10-inch", "12-inch"]},
            ),
            (
                "Blender",
                "{watts} W countertop blender with a {capacity} jar and {feature}.",
                {
                    "watts": ["600", "900", "1200"],
                    "capacity": ["1.5 L", "2 L"],
                    "feature": ["a pulse setting", "a smoothie program", "a self-clean mode"],
                },
            ),
            (
                "Coffee Grinder",
                "Burr coffee grinder with {settings} grind settings, from espresso to French press.",
                {"settings": ["18", "30", "40"], "colour": ["black", "steel"]},
            ),
            (
                "Chef's Knife",
                "{size} chef's knife forged from high-carbon stainless steel with a {handle} handle.",
                {"size": ["6-inch", "8-inch"], "handle": ["walnut", "black composite", "olive wood"]},
            ),
            (
                "Linen Duvet Cover",
                "Stone-washed linen duvet cover in {colour}, with button closure.",
                {"colour": ["white", "sage", "oatmeal", "charcoal"], "size": ["twin", "queen", "king"]},
            ),
            (
                "Glass Food Containers",
                "Set of {count} oven-safe glass containers with leak-proof lids.",
                {"count": ["5", "8", "10"]},
            ),
        ],
    ),
    "Clothing": (
        ["Northbound", "Fieldline", "Mara & Co", "Urbanic"],
        [
            (
                "Merino Sweater",
                "Soft merino wool crew-neck sweater in {colour}; machine washable on a wool cycle.",
                {"colour": ["navy", "grey", "forest green", "oat"], "size": ["XS", "S", "M", "L", "XL"]},
            ),
            (
                "Rain Jacket",
                "Waterproof, breathable rain jacket in {colour} with taped seams and a packable hood.",
                {"colour": ["yellow", "black", "olive"], "size": ["S", "M", "L", "XL"]},
            ),
            (
                "Organic Cotton T-Shirt",
                "Classic-fit T-shirt in {colour}, made from 100% organic cotton.",
                {
                    "colour": ["white", "black", "heather grey", "terracotta"],
                    "size": ["XS", "S", "M", "L", "XL"],
                },
            ),
            (
                "Slim Chinos",
                "Slim-fit stretch cotton chinos in {colour}.",
                {"colour": ["khaki", "navy", "stone"], "size": ["28", "30", "32", "34", "36"]},
            ),
            (
                "Puffer Vest",
                "Lightweight insulated vest in {colour}, warm without the bulk.",
                {"colour": ["black", "navy", "rust"], "size": ["S", "M", "L", "XL"]},
            ),
        ],
    ),
    "Shoes": (
        ["Stridewell", "Terrapin", "Coastline", "Peakform"],
        [
            (
                "Trail Running Shoe",
                "Trail running shoe with a grippy lug sole, {feature} and a cushioned midsole.",
                {
                    "feature": ["a waterproof membrane", "a rock plate", "a breathable mesh upper"],
                    "size": ["7", "8", "9", "10", "11", "12"],
                },
            ),
            (
                "Leather Sneaker",
                "Minimal leather sneaker in {colour} with a cushioned insole.",
                {"colour": ["white", "black", "tan"], "size": ["6", "7", "8", "9", "10", "11"]},
            ),
            (
                "Hiking Boot",
                "Mid-height hiking boot with a waterproof membrane and {feature}.",
                {
                    "feature": ["a Vibram sole", "ankle support", "a padded collar"],
                    "size": ["7", "8", "9", "10", "11", "12"],
                },
            ),
            (
                "Slip-On Loafer",
                "Suede slip-on loafer in {colour} with a flexible sole.",
                {"colour": ["brown", "navy", "grey"], "size": ["7", "8", "9", "10", "11"]},
            ),
        ],
    ),
    "Beauty": (
        ["Lumiere", "Botanica", "Purely", "Velvet Bloom"],
        [
            (
                "Hydrating Face Serum",
                "Lightweight serum with {ingredient} for all skin types; {volume}.",
                {"ingredient": ["hyaluronic acid", "niacinamide", "vitamin C"], "volume": ["30 ml", "50 ml"]},
            ),
            (
                "Mineral Sunscreen SPF 50",
                "Broad-spectrum mineral sunscreen, fragrance-free and reef-friendly; {volume}.",
                {"volume": ["50 ml", "100 ml"]},
            ),
            (
                "Shampoo Bar",
                "Plastic-free shampoo bar with {ingredient}; lasts about 60 washes.",
                {"ingredient": ["argan oil", "rosemary", "coconut milk"]},
            ),
            (
                "Lip Balm Set",
                "Set of {count} nourishing lip balms with shea butter.",
                {"count": ["3", "4", "6"]},
            ),
        ],
    ),
    "Sports & Outdoors": (
        ["Summitra", "Ridgeway", "Flowfit", "Basecamp"],
        [
            (
                "Yoga Mat",
                "{thickness} non-slip yoga mat in {colour} with an alignment print.",
                {"thickness": ["4 mm", "6 mm"], "colour": ["plum", "teal", "charcoal"]},
            ),
            (
                "Insulated Water Bottle",
                "Double-wall stainless steel bottle that keeps drinks cold for 24 hours; {capacity}.",
                {"capacity": ["500 ml", "750 ml", "1 L"], "colour": ["black", "sky blue", "sage"]},
            ),
            (
                "Camping Tent",
                "{people}-person backpacking tent with a {weight} packed weight and two doors.",
                {"people": ["1", "2", "3"], "weight": ["1.3 kg", "1.8 kg", "2.4 kg"]},
            ),
            (
                "Adjustable Dumbbells",
                "Pair of adjustable dumbbells from 2 to {max} kg with a quick-select dial.",
                {"max": ["12", "20", "24"]},
            ),
            (
                "Headlamp",
                "Rechargeable {lumens}-lumen headlamp with a red night mode.",
                {"lumens": ["300", "450", "600"]},
            ),
        ],
    ),
    "Toys & Games": (
        ["Playwise", "Tinker Town", "Brightbox", "Meeple Hall"],
        [
            (
                "Wooden Building Blocks",
                "Set of {count} natural wooden blocks for ages 2 and up.",
                {"count": ["50", "80", "100"]},
            ),
            (
                "Strategy Board Game",
                "Strategy board game for 2-{players} players, about {minutes} minutes a game, ages 10+.",
                {"players": ["4", "5", "6"], "minutes": ["45", "60", "90"]},
            ),
            (
                "Jigsaw Puzzle",
                "{pieces}-piece jigsaw puzzle with a {theme} illustration.",
                {
                    "pieces": ["500", "1000", "1500"],
                    "theme": ["mountain lake", "city at night", "botanical garden"],
                },
            ),
            (
                "Remote Control Car",
                "Rechargeable off-road RC car reaching {speed} km/h, ages 8+.",
                {"speed": ["20", "30", "40"]},
            ),
        ],
    ),
    "Books": (
        ["Lantern Press", "Blue Heron Books", "Meridian House"],
        [
            (
                "Cookbook",
                "{theme} cookbook with {count} tested recipes and step-by-step photos; hardcover.",
                {
                    "theme": ["Weeknight Vegetarian", "Slow Sunday", "Baking Basics"],
                    "count": ["100", "120", "150"],
                },
            ),
            (
                "Field Guide",
                "Pocket field guide to {theme}, with colour illustrations; paperback.",
                {"theme": ["North American birds", "wildflowers", "trees"]},
            ),
            (
                "Mystery Novel",
                "A {theme} mystery novel; paperback, {pages} pages.",
                {"theme": ["cosy village", "seaside", "locked-room"], "pages": ["320", "384", "416"]},
            ),
        ],
    ),
    "Garden": (
        ["Greenthumb", "Bloomfield", "Terrace & Co"],
        [
            (
                "Raised Garden Bed",
                "Cedar raised garden bed, {size}, easy tool-free assembly.",
                {"size": ["2 x 4 ft", "4 x 4 ft", "4 x 8 ft"]},
            ),
            (
                "Pruning Shears",
                "Bypass pruning shears with {feature} for branches up to 20 mm.",
                {"feature": ["a rust-resistant blade", "a safety lock", "ergonomic grips"]},
            ),
            (
                "Solar Path Lights",
                "Set of {count} solar path lights with an automatic dusk-to-dawn sensor.",
                {"count": ["6", "8", "12"]},
            ),
            (
                "Watering Can",
                "{capacity} galvanised steel watering can with a removable rose.",
                {"capacity": ["5 L", "9 L"]},
            ),
        ],
    ),
    "Pet Supplies": (
        ["Pawsome", "Tailwind", "Furrytale"],
        [
            (
                "Orthopedic Dog Bed",
                "Memory-foam dog bed with a removable, washable cover; size {size}.",
                {"size": ["S", "M", "L", "XL"], "colour": ["grey", "brown"]},
            ),
            (
                "Cat Scratching Post",
                "{height} sisal scratching post with a plush perch.",
                {"height": ["60 cm", "80 cm", "100 cm"]},
            ),
            (
                "Reflective Dog Leash",
                "Reflective nylon leash, {length} long, with a padded handle.",
                {"length": ["1.2 m", "1.8 m"], "colour": ["orange", "black", "blue"]},
            ),
            (
                "Slow Feeder Bowl",
                "Slow feeder bowl that makes fast eaters take their time; {capacity}.",
                {"capacity": ["500 ml", "900 ml"]},
            ),
        ],
    ),
}

MODEL_SUFFIXES = ["", " Pro", " Lite", " Plus", " Max", " Mini", " Classic", " Sport", " 2"]

FIRST_NAMES = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy
Anthony Betty Mark Sandra Donald Ashley Steven Emily Andrew Kimberly Paul Donna Joshua Michelle
Kenneth Carol Kevin Amanda Brian Melissa Timothy Deborah Ronald Stephanie Jason Rebecca George
Laura Edward Sharon Jacob Cynthia Ryan Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan
Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Frank Samantha Benjamin
Katherine Gregory Christine Samuel Debra Raymond Rachel Patrick Carolyn Alexander Janet Jack
Maria Dennis Olivia Jerry Heather Tyler Diane Aaron Julie Jose Joyce Adam Victoria Nathan Ruth
Priya Wei Aisha Mateo Sofia Hiroshi Fatima Liam Chloe Omar Ingrid Kofi Lucia Ravi Yuki Noah""".split()

LAST_NAMES = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen
Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders
Patel Okafor Schmidt Rossi Tanaka Kowalski Larsen Dubois Novak Haddad Singh Chen Murray""".split()

EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]

# Most customers are in the US; the rest get international shipping.
COUNTRIES = ["US"] * 17 + ["CA", "GB", "DE", "FR", "NL"]

VOUCHER_CODES = ["WELCOME10", "SPRING15", "FREESHIP", "LOYAL20", "SORRY10"]
