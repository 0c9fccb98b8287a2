"""What an order is made of: customer, lines, money, and the checks that build them.

The checks read what a channel sent through a `Source`: JSON-shaped dicts (`JSON`), or a wire
message read field by field (the gRPC mapping's source), so an order is checked and built
straight from what arrived, without first being copied into another shape.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

import msgspec
from babel.numbers import get_currency_precision

from services.kit.errors import Violations
from services.kit.words import N_

CHANNEL_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PRODUCT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
OPTION_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MAX_LINES = 200
MAX_QUANTITY = 1000
MAX_OPTIONS = 50
OptionValue = str | int | float | bool


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    country: str
    line2: str = ""
    region: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Customer:
    name: str
    address: Address
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class OrderLine:
    """`options`: the piece's options as the channel named them, name → number, text or
    true/false (checked for their form by `parse_lines`). Free-form on purpose: which names
    a product takes and what they must be is the catalogue's to say, when it is configured."""

    line_id: str
    product: str
    quantity: int
    options: dict[str, OptionValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class OrderContent:
    """Everything a channel says about an order; the part an amendment may replace is `lines`."""

    customer: Customer
    lines: tuple[OrderLine, ...]
    total: Money | None
    promised_date: date | None


def stored_content(data: Mapping[str, Any]) -> OrderContent:
    """An order's content from the plain object events kept before it was a value (v1: its
    fields as JSON, the total's amount and the promised date as text); a promised date kept
    empty is none."""
    return msgspec.convert({**data, "total": data.get("total"),
                            "promised_date": data.get("promised_date") or None}, OrderContent)


def content_fingerprint(content: OrderContent) -> str:
    """A digest of what an order says (customer, lines, total, promised date): two bodies
    for the same shop order that differ here are two different orders."""
    # msgspec encodes the value objects as they are (Decimal, date), keys in a fixed order.
    return hashlib.sha256(msgspec.json.encode(content, order="deterministic")).hexdigest()


class Source(Protocol):
    """How the checks read one shape of input: which values are objects with named fields,
    and a field of such an object (None when it was not sent)."""

    def is_object(self, value: Any) -> bool: ...

    def get(self, node: Any, name: str) -> Any: ...


class JsonSource:
    """Objects are dicts, as a JSON body decodes."""

    @staticmethod
    def is_object(value: Any) -> bool:
        return isinstance(value, dict)

    @staticmethod
    def get(node: Any, name: str) -> Any:
        return node.get(name)


JSON = JsonSource()


def _text(v: Violations, value: Any, field_name: str, *, required: bool, max_len: int,
          cut: bool = False) -> str:
    """Text of at most `max_len` characters; longer is refused, or with `cut` shortened
    (ending "…")."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        v.add(field_name, N_("must be text"))
        return ""
    value = value.strip()
    if required and not value:
        v.add(field_name, N_("is required"))
    elif len(value) > max_len and cut:
        return value[:max_len - 1].rstrip() + "…"
    elif len(value) > max_len:
        v.add(field_name, N_("must be at most %(n)s characters"), n=max_len)
    return value


def validate_channel(v: Violations, channel: Any, external_id: Any) -> None:
    if not isinstance(channel, str) or not CHANNEL_RE.match(channel):
        v.add("channel", N_("must be 1-40 lower-case letters, digits, '-' or '_'"))
    ext = _text(v, external_id, "external_id", required=True, max_len=128)
    if ext and not ext.isprintable():
        v.add("external_id", N_("must be printable text"))


def parse_customer(v: Violations, raw: Any, source: Source = JSON, *,
                   complete: bool = True) -> Customer | None:
    """The customer; `complete=False` (a shop order taken as the shop sent it) lets name and
    address be missing or partial — shops send orders without them (draft orders, pickup) —
    while what is there is still checked; its text longer than we keep is shortened, not
    refused (a shop's phone field is free text; the shop's own payload is kept whole)."""
    empty = Customer(name="", address=Address(line1="", city="", country=""))
    if not source.is_object(raw):
        if complete:
            v.add("customer", N_("is required"))
            return None
        return empty
    get = source.get
    cut = not complete
    name = _text(v, get(raw, "name"), "customer.name", required=complete, max_len=200, cut=cut)
    email = _text(v, get(raw, "email"), "customer.email", required=False, max_len=254)
    if email and not EMAIL_RE.match(email):
        v.add("customer.email", N_("is not an email address"))
    phone = _text(v, get(raw, "phone"), "customer.phone", required=False, max_len=40, cut=cut)
    a = get(raw, "address")
    if not source.is_object(a):
        if complete:
            v.add("customer.address", N_("is required: furniture is delivered to it"))
            return None
        return replace(empty, name=name, email=email, phone=phone)
    country = _text(v, get(a, "country"), "customer.address.country", required=complete,
                    max_len=2)
    if country and not COUNTRY_RE.match(country):
        v.add("customer.address.country", N_("must be an ISO 3166 two-letter code, e.g. CN"))
    address = Address(
        line1=_text(v, get(a, "line1"), "customer.address.line1", required=complete,
                    max_len=200, cut=cut),
        line2=_text(v, get(a, "line2"), "customer.address.line2", required=False, max_len=200,
                    cut=cut),
        city=_text(v, get(a, "city"), "customer.address.city", required=complete, max_len=100,
                   cut=cut),
        region=_text(v, get(a, "region"), "customer.address.region", required=False,
                     max_len=100, cut=cut),
        postal_code=_text(v, get(a, "postal_code"), "customer.address.postal_code",
                          required=False, max_len=20, cut=cut),
        country=country,
    )
    return Customer(name=name, email=email, phone=phone, address=address)


def _option_value(v: Violations, field_name: str, value: Any) -> OptionValue | None:
    if isinstance(value, bool) or isinstance(value, str):
        if isinstance(value, str) and len(value) > 200:
            v.add(field_name, N_("must be at most 200 characters"))
        return value
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            v.add(field_name, N_("must be a finite number"))
            return None
        # JSON and protobuf Struct carry whole numbers as floats: keep them whole.
        return int(value) if float(value).is_integer() else float(value)
    v.add(field_name, N_("must be a number, text or true/false"))
    return None


def parse_lines(v: Violations, raw: Any, field_name: str = "items",
                source: Source = JSON, *, required: bool = True) -> tuple[OrderLine, ...]:
    """The lines of an order; `required=False` lets a shop order waiting for mapping have
    none mapped yet."""
    if not required and (raw is None or (isinstance(raw, Sequence) and not raw)):
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        v.add(field_name, N_("must list at least one item"))
        return ()
    if len(raw) > MAX_LINES:
        v.add(field_name, N_("must list at most %(n)s items"), n=MAX_LINES)
        return ()
    lines: list[OrderLine] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        f = f"{field_name}[{i}]"
        if not source.is_object(item):
            v.add(f, N_("must be an object"))
            continue
        line_id = _text(v, source.get(item, "line_id"), f"{f}.line_id", required=True, max_len=64)
        if line_id in seen:
            v.add(f"{f}.line_id", N_("repeats line id '%(line_id)s'"), line_id=line_id)
        seen.add(line_id)
        product = source.get(item, "product")
        if not isinstance(product, str) or not PRODUCT_RE.match(product):
            v.add(f"{f}.product", N_("must be a catalogue product code such as 'wardrobe'"))
        quantity = source.get(item, "quantity")
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
            v.add(f"{f}.quantity", N_("must be a whole number from 1 to %(n)s"),
                  n=MAX_QUANTITY)
        options_raw = source.get(item, "options") or {}
        options: dict[str, OptionValue] = {}
        if not isinstance(options_raw, Mapping):
            v.add(f"{f}.options", N_("must be an object of option names to values"))
        elif len(options_raw) > MAX_OPTIONS:
            v.add(f"{f}.options", N_("must have at most %(n)s options"),
                  n=MAX_OPTIONS)
        else:
            for name, value in options_raw.items():
                if not isinstance(name, str) or not OPTION_RE.match(name):
                    v.add(f"{f}.options", N_("option name '%(name)s' is not valid"), name=name)
                    continue
                parsed = _option_value(v, f"{f}.options.{name}", value)
                if parsed is not None:
                    options[name] = parsed
        if isinstance(product, str) and isinstance(quantity, int):
            lines.append(OrderLine(line_id=line_id, product=product, quantity=quantity,
                                   options=options))
    return tuple(lines)


def parse_money(v: Violations, raw: Any, field_name: str = "total",
                source: Source = JSON, *, as_sent: bool = False) -> Money | None:
    """An amount and its currency. The amount is refused finer than the currency's smallest
    unit, unless `as_sent` (a shop's total, its payload kept): then rounded to it, half up, as
    the shop's payment was (a WooCommerce store showing 3 decimals in USD sends 29.985)."""
    if raw is None:
        return None
    if not source.is_object(raw):
        v.add(field_name, N_("must be an object with amount and currency"))
        return None
    amount_raw = source.get(raw, "amount")
    try:
        amount = Decimal(str(amount_raw)) if isinstance(amount_raw, str | int) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        v.add(f"{field_name}.amount",
              N_("must be a decimal number written as text, e.g. \"5999.00\""))
    elif amount < 0:
        v.add(f"{field_name}.amount", N_("must not be negative"))
    elif amount >= Decimal("1e12"):
        v.add(f"{field_name}.amount", N_("is too large"))
    currency = source.get(raw, "currency")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        v.add(f"{field_name}.currency", N_("must be an ISO 4217 code such as CNY"))
    known = isinstance(currency, str) and CURRENCY_RE.match(currency) is not None
    if amount is None or not amount.is_finite() or not 0 <= amount < Decimal("1e12"):
        return None
    # Written places do not matter ("28.440" from a shop set to show 3 decimals is 28.44);
    # a value finer than the currency's smallest unit does.
    places = decimal_places(currency) if known else 2
    step = Decimal(1).scaleb(-places)
    if amount != amount.quantize(step) and not known:
        v.add(f"{field_name}.amount", N_("must have at most two decimal places"))
    elif amount != amount.quantize(step) and not as_sent:
        v.add(f"{field_name}.amount", N_("must have at most %(n)s decimal places in %(currency)s"),
              n=places, currency=currency)
        return None
    rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
    return Money(amount=rounded, currency=currency) if known else None


def decimal_places(currency: str) -> int:
    """How many decimal places an amount in `currency` is kept with: the currency's ISO 4217
    minor unit (3 for KWD, BHD, OMR, JOD, TND), never fewer than two (JPY 23600 is kept as
    23600.00, as it always was, so a shop's resend says the same)."""
    return max(2, get_currency_precision(currency))


def parse_date(v: Violations, raw: Any, field_name: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        pass
    v.add(field_name, N_("must be a date written as YYYY-MM-DD"))
    return None


def parse_order_content(raw: Any, source: Source = JSON, *, lines_required: bool = True,
                        as_sent: bool = False) -> OrderContent:
    """Validate everything a channel sent (its customer, items, total and promised date, read
    through `source`); raise InvalidArgument listing every problem. A shop order taken as
    sent (`as_sent`, the shop's payload kept with it) may lack lines mapped yet
    (`lines_required`) and a complete customer, and its total is kept in its currency's
    smallest unit."""
    v = Violations()
    get = source.get
    customer = parse_customer(v, get(raw, "customer"), source, complete=not as_sent)
    lines = parse_lines(v, get(raw, "items"), source=source, required=lines_required)
    total = parse_money(v, get(raw, "total"), source=source, as_sent=as_sent)
    promised = parse_date(v, get(raw, "promised_date"), "promised_date")
    v.raise_if_any()
    assert customer is not None
    return OrderContent(customer=customer, lines=lines, total=total, promised_date=promised)


NEED_KINDS = ("product", "option", "parameter")


@dataclass(frozen=True)
class MappingNeed:
    """Something a channel's mapping must say before a shop order can be made: a line with no
    product (`key` its SKU, or its title when it has none), an option name with no parameter,
    or a parameter the product cannot be built without (`key` "<product>.<parameter>")."""

    kind: str
    key: str
    line_id: str = ""
    detail: str = ""


def parse_needs(v: Violations, raw: Any, source: Source = JSON,
                field_name: str = "mapping_needs") -> tuple[MappingNeed, ...]:
    """Mapping needs as a channel adapter sent them; each names its kind and key."""
    needs: list[MappingNeed] = []
    for i, item in enumerate(raw or ()):
        f = f"{field_name}[{i}]"
        kind = source.get(item, "kind")
        if kind not in NEED_KINDS:
            v.add(f"{f}.kind", N_("must be one of %(choices)s"), choices=', '.join(NEED_KINDS))
        key = _text(v, source.get(item, "key"), f"{f}.key", required=True, max_len=300)
        line_id = _text(v, source.get(item, "line_id"), f"{f}.line_id", required=False,
                        max_len=64)
        detail = _text(v, source.get(item, "detail"), f"{f}.detail", required=False,
                       max_len=500)
        needs.append(MappingNeed(str(kind), key, line_id, detail))
    return tuple(needs)


def parse_notes(v: Violations, raw: Any, field_name: str = "notes") -> tuple[str, ...]:
    notes = tuple(_text(v, n, f"{field_name}[{i}]", required=False, max_len=1000)
                  for i, n in enumerate(raw or ()))
    if len(notes) > MAX_LINES:
        v.add(field_name, N_("must hold at most %(n)s notes"), n=MAX_LINES)
    return tuple(n for n in notes if n)
