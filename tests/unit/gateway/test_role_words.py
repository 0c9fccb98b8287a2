"""A person's role as people say it, in either language; an unknown one as it is."""

from __future__ import annotations

from gateway import i18n
from gateway.portal.words import role_said


def test_roles_are_said_in_the_readers_language():
    with i18n.speaking("zh-CN"):
        assert role_said("planner") == "计划员"
        assert role_said("customer_service") == "客服"
        assert role_said("factory_manager:F-GZ-01") == "F-GZ-01 厂长"
        assert role_said("factory_operator:F-GZ-01") == "F-GZ-01 操作工"
        assert role_said("designer:D-7") == "设计师 D-7"
        assert role_said("auditor") == "auditor"
    with i18n.speaking("en"):
        assert role_said("factory_manager:F-GZ-01") == "factory manager of F-GZ-01"
        assert role_said("customer_service") == "customer service"
        assert role_said("") == ""
