"""Cut lists and part labels print as PDF; each label's QR code, read from the rendered page,
opens that part's page in the workspace, which names its order, panel, size and material."""

from __future__ import annotations

import html
import io
import re

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from dovetail.configurator.v1 import configurator_service_pb2 as cfg

pytestmark = pytest.mark.integration


def qr_texts(pdf: bytes) -> list[str]:
    """Every QR code on every page, as a phone's camera would read them off the print."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=3).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


async def test_labels_carry_a_qr_code_per_part_that_opens_the_part(platform, order):
    order_id, _ops = order
    answer = await platform.client.get(f"/factory/orders/{order_id}/labels.pdf",
                                       headers=platform.mine.bearer)
    assert answer.status_code == 200
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) >= 1
    urls = qr_texts(answer.content)
    configured = await platform.app.state.gateway.services.call(
        "configurator", "GetOrderConfiguration", cfg.GetOrderConfigurationRequest(
            order_id=order_id))
    materials = {p.material for line in configured.configuration.lines for p in line.panels}
    names = await platform.app.state.gateway.catalogue_names.names(
        platform.app.state.gateway.services, 0)
    boards = {names.material(m) for m in materials}  # as the part page names them
    assert boards - materials, boards  # names, not codes (hdf-8, offered by no product, is its code)
    assert urls, "no QR code could be read"
    assert len(urls) == len(set(urls))  # one per part
    prefix = f"{platform.base_url}/factory/parts/{order_id}/"
    assert all(u.startswith(prefix) for u in urls)
    for url in urls[:3]:
        part = await platform.client.get(url, headers=platform.mine.bearer)
        assert part.status_code == 200, url
        barcode = url.removeprefix(prefix)
        assert barcode in part.text and order_id in part.text
        assert "mm" in part.text  # size
        material = re.search(r'id="part-material">([^<]*)<', part.text).group(1)
        assert html.unescape(material) in boards, material  # the panel's own board
        assert "Asia/Shanghai" in part.text
    # The text on the labels is the parts' too.
    text = "".join(page.extract_text() for page in reader.pages)
    assert order_id[:20] in text


async def test_the_cut_list_names_every_part(platform, order):
    order_id, _ops = order
    labels = await platform.client.get(f"/factory/orders/{order_id}/labels.pdf",
                                       headers=platform.mine.bearer)
    parts = [u.rsplit("/", 1)[1] for u in qr_texts(labels.content)]
    answer = await platform.client.get(f"/factory/orders/{order_id}/cut-list.pdf",
                                       headers=platform.mine.bearer)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Asia/Shanghai" in text  # printed at, local
    for barcode in parts:
        assert barcode[:27] in text

