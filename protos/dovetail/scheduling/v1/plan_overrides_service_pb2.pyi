from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanOverrides(_message.Message):
    __slots__ = ("order_id", "pinned_factory_id", "held", "weight")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PINNED_FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    pinned_factory_id: str
    held: bool
    weight: int
    def __init__(self, order_id: _Optional[str] = ..., pinned_factory_id: _Optional[str] = ..., held: _Optional[bool] = ..., weight: _Optional[int] = ...) -> None: ...

class PinOrderRequest(_message.Message):
    __slots__ = ("order_id", "factory_id", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PinOrderResponse(_message.Message):
    __slots__ = ("overrides",)
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    overrides: PlanOverrides
    def __init__(self, overrides: _Optional[_Union[PlanOverrides, _Mapping]] = ...) -> None: ...

class HoldOrderRequest(_message.Message):
    __slots__ = ("order_id", "held", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    held: bool
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., held: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class HoldOrderResponse(_message.Message):
    __slots__ = ("overrides",)
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    overrides: PlanOverrides
    def __init__(self, overrides: _Optional[_Union[PlanOverrides, _Mapping]] = ...) -> None: ...

class PrioritiseOrderRequest(_message.Message):
    __slots__ = ("order_id", "weight", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    weight: int
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., weight: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class PrioritiseOrderResponse(_message.Message):
    __slots__ = ("overrides",)
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    overrides: PlanOverrides
    def __init__(self, overrides: _Optional[_Union[PlanOverrides, _Mapping]] = ...) -> None: ...

class GetPlanOverridesRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetPlanOverridesResponse(_message.Message):
    __slots__ = ("overrides",)
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    overrides: PlanOverrides
    def __init__(self, overrides: _Optional[_Union[PlanOverrides, _Mapping]] = ...) -> None: ...
