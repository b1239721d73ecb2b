"""A shopping assistant over the store's catalogue.

    "gift for my dad who likes hiking, budget 100 dollars"
        │ request.parse_request: what (head + modifiers), interests, recipient, price range,
        │ colours, sizes, stock wanted
        ▼
    search.ProductSearch (over catalogue.CatalogueIndex, built once per catalogue version)
        │ a product matches when its type is the one asked for (lexicon synonyms, spelling
        │ slips) and every modifier is in its text; interests rank by meaning; filters never
        │ bend: nothing over budget, out of stock only when asked
        ▼
    SearchResult: full matches, or the type without the modifiers, or none (nearest category)

``context.ShoppingContext`` (a slot) keeps the last request and what was shown, so that
"something cheaper", "in blue", "show me more", "the second one" and "is it waterproof?"
refine or refer to the last results (``references``).
"""
