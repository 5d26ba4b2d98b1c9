"""Reads from the Key Vault emulator with Microsoft's own Python SDK, as an independent
check that the emulator speaks the real protocol. Arguments: vault URL, CA file, client id,
a pinned version. Prints one line per answer."""

import sys

from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

url, ca_file, client_id, version = sys.argv[1:5]
client = SecretClient(
    url,
    ManagedIdentityCredential(client_id=client_id),
    verify_challenge_resource=False,
    connection_verify=ca_file,
)
print(client.get_secret("py-secret").value)
print(client.get_secret("py-secret", version).value)
print(",".join(sorted(p.name for p in client.list_properties_of_secrets())))
