"""Labels of record types and fields in the languages we have (English is in the
registry itself). The TUI moves these to gettext catalogues later; until then a dict per
language keeps them in one place and lets a test check that none is missing."""

from __future__ import annotations

from vault.records.spec import FieldSpec, RecordType

TYPE_LABELS_ZH = {
    "person": "人物", "source": "受保护的信息来源", "testimony": "证词", "detention": "羁押",
    "act": "侵权行为", "involvement": "涉案情况", "case": "案件", "intervention": "干预行动",
}

#: By field name: a name means the same in every type that uses it.
FIELD_LABELS_ZH = {
    "name": "姓名（拼音）", "name_original": "姓名（原文）", "aliases": "别名",
    "person_type": "个人或群体", "sex": "性别", "birth_date": "出生日期",
    "birth_place": "出生地", "death_date": "死亡日期", "ethnicity": "民族", "religion": "宗教",
    "nationality": "国籍", "occupation": "职业", "id_documents": "身份证件",
    "phones": "电话号码", "emails": "电子邮箱", "handles": "网络账号", "addresses": "地址",
    "roles": "角色", "positions": "任职经历", "notes": "备注", "label": "工作代号",
    "address": "地址", "current_location": "现所在地", "languages": "语言",
    "connection": "与信息的关系", "contact_method": "联系方式", "first_contact": "首次联系",
    "consent": "知情同意", "consent_date": "同意日期", "consent_notes": "同意备注",
    "reliability": "可靠性", "reliability_notes": "可靠性说明", "security_notes": "安全备注",
    "title": "标题", "source": "受访人", "interviewer": "访谈人", "interview_date": "访谈日期",
    "place": "地点", "method": "访谈方式", "language": "访谈语言", "interpreter": "翻译人员",
    "consent_recorded": "同意已记录", "narrative": "陈述（原文）", "translation": "译文",
    "translation_language": "译文语言", "summary": "摘要", "persons_mentioned": "提及的人物",
    "related": "相关记录", "duration_minutes": "时长（分钟）", "recorded": "有录音或录像",
    "detainee": "被羁押人", "type": "类型", "facility": "羁押场所",
    "exact_location": "确切位置", "authority": "羁押机关", "start": "开始", "end": "结束",
    "charges": "罪名", "legal_basis": "法律依据", "notice_issued": "已发出羁押通知书",
    "held_under_false_name": "以假名关押", "false_name": "所用假名",
    "incommunicado": "与外界隔绝", "lawyer_access": "会见律师", "lawyers": "要求会见的律师",
    "family_notified": "通知家属", "ill_treatment": "报告受虐待",
    "ill_treatment_methods": "虐待方式", "ill_treatment_details": "虐待详情",
    "forced_confession": "强迫认罪", "confession_recorded": "认罪被录像",
    "confession_broadcast": "认罪被播出", "confession_channel": "播出频道",
    "confession_broadcast_date": "播出日期", "outcome": "结果", "outcome_date": "结果日期",
    "sentence": "刑期", "description": "描述", "evidence": "证据", "date": "日期",
    "end_date": "结束日期", "victims": "受害人", "victim_count": "受害人数",
    "methods": "手段", "detention": "羁押期间", "verification": "核实程度", "act": "侵权行为",
    "perpetrator": "加害人", "degree": "涉入程度", "position_at_time": "当时职务",
    "role_description": "所起作用", "exculpatory": "有利于加害人的信息", "records": "记录",
    "status": "状态", "opened": "立案日期", "closed": "结案日期", "lead": "负责人",
    "submitted_by": "提交方", "addressee": "提交对象", "regime": "制裁机制",
    "reference_number": "编号", "targets": "被点名者", "concerning": "涉及记录",
    "plates": "车牌号", "companies": "拥有或控制的公司", "property": "拥有或控制的财产",
    "superiors": "上级", "identifier_provenance": "识别信息的来源",
    "national_interest": "国家利益说明",
}


def type_label(rtype: RecordType, lang: str = "en") -> str:
    """The label of a record type in ``lang`` (English when missing)."""
    if lang == "zh":
        return TYPE_LABELS_ZH.get(rtype.name, rtype.label)
    return rtype.label


def field_label(spec: FieldSpec, lang: str = "en") -> str:
    """The label of a field in ``lang``. Custom fields have the one label their user gave."""
    if lang == "zh" and not spec.custom:
        return FIELD_LABELS_ZH.get(spec.name, spec.label)
    return spec.label
