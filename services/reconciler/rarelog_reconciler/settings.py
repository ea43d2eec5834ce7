from rarelog_kit.settings import ServiceSettings


class ReconcilerSettings(ServiceSettings):
    pass
