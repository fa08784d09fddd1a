"""The component registry: ``@component("fuser")`` on a config class makes it nameable in YAML."""

from __future__ import annotations

from search._registry import Registry
from search.components.base import ComponentBase

COMPONENTS: Registry[ComponentBase] = Registry("component", attr="kind")
component = COMPONENTS.register  # register a component class under its ``type`` name
list_components = COMPONENTS.names
component_class = COMPONENTS.get
