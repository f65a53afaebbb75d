"""TLS to the service: verified against the system's CAs or a configured bundle, or not at all."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from helpers import Recorder


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A throw-away CA and a certificate for 127.0.0.1 that it signed (openssl, as sim-cluster uses)."""
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=bridge test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "1", "-extfile", "san.ext")
    return d


@pytest.fixture
def recorder(certificates):
    """An HTTPS server with that certificate standing in for the service."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    r = Recorder(tls=context)
    yield r
    r.close()


@pytest.fixture
def service_url(recorder) -> str:
    return recorder.url
class TestTlsWithoutTheCa:
    async def test_a_certificate_from_an_unknown_ca_is_refused_with_a_hint(self, scheduler, recorder):
        answer = await scheduler.get("jobs")
        assert answer.code == 502
        assert answer.message.startswith(f"The Notebook Jobs service at {recorder.url} could not be reached: TLS")
        assert "CERTIFICATE_VERIFY_FAILED" in answer.message and "ca_bundle" in answer.message
        assert recorder.requests == []


class TestTlsWithTheCaBundle:
    @pytest.fixture
    def bridge_config(self, certificates):
        return {"ca_bundle": str(certificates / "ca.pem")}

    async def test_the_service_is_reached(self, scheduler, recorder):
        assert (await scheduler.get("jobs?max_items=0")).code == 200
        assert recorder.requests[0]["path"] == "/scheduler/jobs?max_items=0"


class TestTlsUnverified:
    @pytest.fixture
    def bridge_config(self):
        return {"verify_tls": False}

    async def test_the_service_is_reached(self, scheduler, recorder):
        assert (await scheduler.get("jobs?max_items=0")).code == 200
        assert len(recorder.requests) == 1
