"""Talo's pagination: pages of 50 numbered from 0, with `count`, `itemsPerPage` and `isLastPage`
(docs/objects.md §11)."""

ITEMS_PER_PAGE = 50
# No table holds this many pages; a later page is as empty as this one, and its offset would not
# fit the database's 64-bit OFFSET (docs/rest.md §2.9).
MAX_PAGE = 10**15


def paginate(queryset, page):
    """(items of page `page`, the total count, whether this is the last page). One extra row is
    read to tell the last page."""
    start = min(page, MAX_PAGE) * ITEMS_PER_PAGE
    rows = list(queryset[start : start + ITEMS_PER_PAGE + 1])
    return rows[:ITEMS_PER_PAGE], queryset.count(), len(rows) <= ITEMS_PER_PAGE


def page_body(name, items, count, is_last_page):
    return {name: items, "count": count, "itemsPerPage": ITEMS_PER_PAGE, "isLastPage": is_last_page}
