"""Controlled vocabularies: the codes an ``enum`` field accepts, with their labels.

Codes are stable ASCII names (they are the JSON record format); labels are for people, in
English and Simplified Chinese for now (the TUI moves them to gettext later). The terms
follow the HURIDOCS Events Standard Formats micro-thesauri ("Types of Acts", "Methods of
Violence", "Degrees of Involvement", "Source Connection to Information", "Types of
Intervention"), extended with the detention forms of the PRC system this vault documents
(RSDL, liuzhi, black jails, "forced holidays", "non-release release"). The detention,
act and degree codes named in DESIGN.md are a contract: never rename or remove one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Languages with labels here.
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary and its labels."""

    code: str
    en: str
    zh: str

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (English when there is none)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Vocabulary:
    """A named list of terms, and where it comes from."""

    name: str
    reference: str
    """The HURIDOCS micro-thesaurus it follows, or why it is ours."""
    terms: tuple[Term, ...]

    def codes(self) -> tuple[str, ...]:
        """Every code, in display order."""
        return tuple(t.code for t in self.terms)

    def term(self, code: str) -> Term | None:
        """The term with ``code``, or None."""
        return next((t for t in self.terms if t.code == code), None)


def _v(name: str, reference: str, *terms: tuple[str, str, str]) -> Vocabulary:
    return Vocabulary(name, reference, tuple(Term(*t) for t in terms))


DETENTION_TYPES = _v(
    "detention_types", "DESIGN.md (the PRC detention system); HURIDOCS 'Types of Acts'",
    ("criminal_detention", "criminal detention", "刑事拘留"),
    ("formal_arrest", "formal arrest", "正式逮捕"),
    ("rsdl", "residential surveillance at a designated location (RSDL)", "指定居所监视居住"),
    ("liuzhi", "liuzhi (supervisory commission detention)", "留置"),
    ("pretrial_detention", "pre-trial detention centre", "看守所羁押"),
    ("administrative_detention", "administrative detention", "行政拘留"),
    ("black_jail", "black jail (unofficial detention)", "黑监狱"),
    ("psychiatric", "psychiatric committal", "强制送精神病院"),
    ("house_arrest", "house arrest", "软禁"),
    ("enforced_disappearance", "enforced disappearance", "强迫失踪"),
    ("exit_ban", "exit ban", "禁止出境"),
    ("forced_holiday", "\"forced holiday\" (taken away by police escort)", "被旅游"),
    ("non_release_release", "\"non-release release\" (controlled after sentence)",
     "“不释放的释放”"),
    ("other", "other", "其他"),
)

ACT_TYPES = _v(
    "act_types", "HURIDOCS 'Types of Acts', narrowed to this vault's work",
    ("torture", "torture", "酷刑"),
    ("ill_treatment", "cruel, inhuman or degrading treatment", "残忍、不人道或有辱人格的待遇"),
    ("arbitrary_detention", "arbitrary detention", "任意拘押"),
    ("enforced_disappearance", "enforced disappearance", "强迫失踪"),
    ("incommunicado_detention", "incommunicado detention", "与外界隔绝的羁押"),
    ("forced_confession", "forced confession", "强迫认罪"),
    ("televised_confession", "televised forced confession", "电视认罪"),
    ("denial_of_counsel", "denial of access to a lawyer", "剥夺会见律师权"),
    ("unfair_trial", "unfair trial", "不公正审判"),
    ("killing", "killing", "杀害"),
    ("death_in_custody", "death in custody", "羁押期间死亡"),
    ("sexual_violence", "sexual violence", "性暴力"),
    ("forced_labour", "forced labour", "强迫劳动"),
    ("forced_psychiatric_treatment", "forced psychiatric treatment", "强制精神治疗"),
    ("denial_of_medical_care", "denial of medical care", "拒绝提供医疗"),
    ("harassment_of_family", "harassment or punishment of relatives", "骚扰或株连家属"),
    ("travel_restriction", "restriction of movement or travel", "限制出行"),
    ("surveillance", "surveillance", "监控"),
    ("threats", "threats and intimidation", "威胁恐吓"),
    ("transnational_repression", "transnational repression", "跨国镇压"),
    ("forced_return", "forced return (refoulement)", "强制遣返"),
    ("other", "other", "其他"),
)

DEGREES = _v(
    "degrees", "HURIDOCS 'Degrees of Involvement'",
    ("ordered", "ordered", "下令"),
    ("carried_out", "carried out", "实施"),
    ("complicit", "complicit", "共谋"),
    ("failed_to_prevent", "failed to prevent or investigate", "未加阻止或调查"),
    ("instigated", "instigated", "教唆"),
)

ROLES = _v(
    "roles", "HURIDOCS 'Types of Relationships' and the roles of DESIGN.md",
    ("victim", "victim", "受害人"),
    ("witness", "witness", "证人"),
    ("perpetrator", "perpetrator", "加害人"),
    ("family", "family member", "家属"),
    ("lawyer", "lawyer", "律师"),
    ("intervening_party", "intervening party", "介入方"),
    ("human_rights_defender", "human rights defender", "人权捍卫者"),
    ("journalist", "journalist", "记者"),
    ("other", "other", "其他"),
)

PERSON_TYPES = _v(
    "person_types", "HURIDOCS Events Standard Formats (person or group)",
    ("individual", "individual", "个人"),
    ("group", "group or organisation", "群体或组织"),
)

SEX = _v(
    "sex", "HURIDOCS 'Sex'",
    ("female", "female", "女"),
    ("male", "male", "男"),
    ("other", "other", "其他"),
    ("unknown", "unknown", "不详"),
)

RELIABILITY = _v(
    "reliability", "HURIDOCS 'Reliability' (of a source or of information)",
    ("high", "high", "高"),
    ("medium", "medium", "中"),
    ("low", "low", "低"),
    ("unknown", "not yet assessed", "未评估"),
)

CONSENT = _v(
    "consent", "ours: what a source or witness agreed to (informed consent)",
    ("quote_anonymously", "may be quoted anonymously", "可匿名引用"),
    ("share_with_partners", "may be shared with partner organisations", "可与合作机构共享"),
    ("use_in_public_report", "may be used in a public report", "可用于公开报告"),
    ("use_in_sanctions_filing", "may be used in a sanctions filing", "可用于制裁申请"),
    ("submit_to_un", "may be submitted to UN mechanisms", "可提交联合国机制"),
    ("contact_again", "may be contacted again", "可再次联系"),
    ("name_may_be_published", "name may be published", "可公开姓名"),
)

CONTACT_METHODS = _v(
    "contact_methods", "ours: how contact was made",
    ("in_person", "in person", "面谈"),
    ("phone", "phone call", "电话"),
    ("video_call", "video call", "视频通话"),
    ("encrypted_messenger", "encrypted messenger", "加密通讯软件"),
    ("email", "email", "电子邮件"),
    ("intermediary", "through an intermediary", "通过中间人"),
    ("written", "in writing", "书面"),
    ("other", "other", "其他"),
)

SOURCE_CONNECTIONS = _v(
    "source_connections", "HURIDOCS 'Source Connection to Information'",
    ("direct_victim", "victim (first-hand)", "受害人本人"),
    ("eyewitness", "eyewitness", "目击者"),
    ("family_member", "family member of a victim", "受害人家属"),
    ("lawyer", "lawyer of a victim", "受害人律师"),
    ("fellow_detainee", "fellow detainee", "同监者"),
    ("insider", "insider (official or staff)", "内部人员"),
    ("second_hand", "heard from others", "间接获悉"),
    ("documents", "documents", "文件资料"),
    ("other", "other", "其他"),
)

LAWYER_ACCESS = _v(
    "lawyer_access", "ours: access to a lawyer of the detainee's choosing",
    ("granted", "granted", "允许会见"),
    ("delayed", "granted after a delay", "延迟会见"),
    ("denied", "denied", "拒绝会见"),
    ("state_appointed_only", "only a state-appointed lawyer", "仅官派律师"),
    ("unknown", "unknown", "不详"),
)

FAMILY_NOTIFIED = _v(
    "family_notified", "ours: whether the family was told of the detention",
    ("notified", "notified", "已通知"),
    ("notified_late", "notified late", "延迟通知"),
    ("not_notified", "not notified", "未通知"),
    ("unknown", "unknown", "不详"),
)

ILL_TREATMENT_METHODS = _v(
    "ill_treatment_methods", "HURIDOCS 'Methods of Violence', narrowed",
    ("beating", "beating", "殴打"),
    ("tiger_chair", "tiger chair", "老虎凳"),
    ("stress_positions", "stress positions", "强迫保持痛苦姿势"),
    ("sleep_deprivation", "sleep deprivation", "剥夺睡眠"),
    ("prolonged_interrogation", "prolonged interrogation", "长时间审讯"),
    ("solitary_confinement", "solitary confinement", "单独关押"),
    ("shackling", "shackling", "戴镣铐"),
    ("electric_shocks", "electric shocks", "电击"),
    ("hooding", "hooding or blindfolding", "蒙头或蒙眼"),
    ("deprivation_of_food_or_water", "deprivation of food or water", "不给饮食"),
    ("exposure_to_cold_or_heat", "exposure to cold or heat", "冷冻或暴晒"),
    ("denial_of_medical_care", "denial of medical care", "拒绝就医"),
    ("forced_medication", "forced medication", "强制服药"),
    ("sexual_violence", "sexual violence", "性暴力"),
    ("threats_against_family", "threats against family", "威胁家人"),
    ("psychological_pressure", "psychological pressure", "精神施压"),
    ("other", "other", "其他"),
)

DETENTION_OUTCOMES = _v(
    "detention_outcomes", "ours: what became of the detainee",
    ("still_held", "still held", "仍被关押"),
    ("released", "released", "已释放"),
    ("released_on_bail", "released on bail pending trial", "取保候审"),
    ("transferred", "transferred to another form of detention", "转为其他羁押"),
    ("indicted", "indicted", "已起诉"),
    ("sentenced", "sentenced", "已判刑"),
    ("died_in_custody", "died in custody", "羁押期间死亡"),
    ("disappeared", "whereabouts unknown", "下落不明"),
    ("unknown", "unknown", "不详"),
)

VERIFICATION = _v(
    "verification", "ours: how well an act is established",
    ("alleged", "alleged", "指称"),
    ("corroborated", "corroborated by more than one source", "多方佐证"),
    ("verified", "verified", "已核实"),
    ("disputed", "disputed", "存疑"),
)

CASE_STATUS = _v(
    "case_status", "ours",
    ("open", "open", "进行中"),
    ("dormant", "dormant", "暂停"),
    ("closed", "closed", "已结案"),
)

INTERVENTION_TYPES = _v(
    "intervention_types", "HURIDOCS 'Types of Intervention'",
    ("un_communication", "communication to UN special procedures", "致联合国特别程序的来文"),
    ("un_urgent_appeal", "UN urgent appeal", "联合国紧急呼吁"),
    ("wgad_petition", "petition to the UN Working Group on Arbitrary Detention",
     "向联合国任意拘留问题工作组请愿"),
    ("sanctions_submission", "targeted-sanctions submission", "定向制裁申请"),
    ("broadcaster_complaint", "complaint to a broadcasting regulator", "向广播监管机构投诉"),
    ("court_filing", "court filing", "诉讼"),
    ("diplomatic_appeal", "appeal to a government or embassy", "向政府或使馆呼吁"),
    ("public_statement", "public statement or report", "公开声明或报告"),
    ("legal_aid", "legal aid to the victim or family", "为受害人或家属提供法律援助"),
    ("other", "other", "其他"),
)

INTERVENTION_STATUS = _v(
    "intervention_status", "ours",
    ("planned", "planned", "计划中"),
    ("submitted", "submitted", "已提交"),
    ("acknowledged", "acknowledged", "已确认收到"),
    ("response_received", "response received", "已获回复"),
    ("no_response", "no response", "无回复"),
    ("closed", "closed", "已结束"),
)

SANCTIONS_REGIMES = _v(
    "sanctions_regimes", "the regimes `evault dossier` drafts for",
    ("us", "US Global Magnitsky (EO 13818)", "美国全球马格尼茨基制裁（第13818号行政令）"),
    ("uk", "UK Global Human Rights Sanctions Regulations 2020", "英国2020年全球人权制裁条例"),
    ("eu", "EU Global Human Rights Sanctions Regime", "欧盟全球人权制裁机制"),
    ("ca", "Canada: Justice for Victims of Corrupt Foreign Officials Act",
     "加拿大《腐败外国官员受害者正义法》"),
)

#: Every vocabulary by name (the ``vocabulary`` of an enum field).
VOCABULARIES: dict[str, Vocabulary] = {v.name: v for v in (
    DETENTION_TYPES, ACT_TYPES, DEGREES, ROLES, PERSON_TYPES, SEX, RELIABILITY, CONSENT,
    CONTACT_METHODS, SOURCE_CONNECTIONS, LAWYER_ACCESS, FAMILY_NOTIFIED,
    ILL_TREATMENT_METHODS, DETENTION_OUTCOMES, VERIFICATION, CASE_STATUS,
    INTERVENTION_TYPES, INTERVENTION_STATUS, SANCTIONS_REGIMES,
)}


def codes(vocabulary: str) -> tuple[str, ...]:
    """The codes of a vocabulary (KeyError if there is no such vocabulary)."""
    return VOCABULARIES[vocabulary].codes()


def label(vocabulary: str, code: str, lang: str = "en") -> str:
    """The label of ``code`` in ``lang``; the code itself when it is unknown."""
    term = VOCABULARIES[vocabulary].term(code)
    return term.label(lang) if term else code
