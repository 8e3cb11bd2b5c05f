"""The Orange Logic (OrangeDAM) connector: ``OrangeLogicClient`` configured by ``OrangeLogicSettings``."""

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.settings import (
    BearerAuth,
    ClientCredentialsAuth,
    LoginAuth,
    OAuth2Auth,
    OrangeLogicSettings,
)

__all__ = [
    "BearerAuth",
    "ClientCredentialsAuth",
    "LoginAuth",
    "OAuth2Auth",
    "OrangeLogicClient",
    "OrangeLogicSettings",
]
