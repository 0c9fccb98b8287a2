"""The factory workspace's times and printouts in the reader's language: a day in Chinese is
"12月5日", and a Chinese label or cut list is set in a font that has the glyphs."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

from gateway import i18n
from gateway.workspace.printing import CJK_FONT, Part, cut_list_pdf, labels_pdf
from gateway.workspace.shift import local_time

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
MS = int(datetime(2026, 12, 5, 6, 5, tzinfo=UTC).timestamp() * 1000)  # 14:05 in Shanghai
PART = Part(barcode="P-1", order_id="O-1", panel="侧板 side", size="2000 × 600 × 18 mm",
            material="颗粒板 18", edges="L1", operation="", url="https://x.example/p/P-1")


@pytest.mark.parametrize(("locale", "expected"), [("en", "5 Dec 14:05"),
                                                   ("zh-CN", "12月5日 14:05")])
def test_a_day_and_time_is_written_the_readers_way(locale, expected):
    with i18n.speaking(locale):
        assert local_time(MS, SHANGHAI, with_day=True) == expected
        assert local_time(MS, SHANGHAI) == "14:05"


def fonts_and_text(pdf: bytes) -> tuple[set[str], str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    return names, "".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("make", [lambda: labels_pdf([PART], "labels"),
                                  lambda: cut_list_pdf([PART], "cut list", "subtitle")],
                         ids=["labels", "cut list"])
def test_a_chinese_printout_is_set_in_a_chinese_font(make):
    with i18n.speaking("zh-CN"):
        names, text = fonts_and_text(make())
    assert any(CJK_FONT in name for name in names)
    assert "侧板" in text and "封边" in text  # the panel's name and the translated heading
    with i18n.speaking("en"):
        names, _text = fonts_and_text(make())
    assert not any(CJK_FONT in name for name in names) and any("Helvetica" in n for n in names)
