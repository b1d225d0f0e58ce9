"""Model choices built from the shared vocabulary (jiuzhu.rules.vocab)."""

from jiuzhu.rules import vocab

AREA_TYPES = vocab.choices(vocab.AreaType)
RELATIONS = vocab.choices(vocab.Relation)
WORK_CAPACITIES = vocab.choices(vocab.WorkCapacity)
CAPACITY_ASSESSORS = vocab.choices(vocab.CapacityAssessor)
DISABILITY_TYPES = vocab.choices(vocab.DisabilityType)
SCHOOL_STAGES = vocab.choices(vocab.SchoolStage)
EMPLOYMENTS = vocab.choices(vocab.Employment)
INCOME_TYPES = vocab.choices(vocab.IncomeType)
PROPERTY_TYPES = vocab.choices(vocab.PropertyType)
EXPENSE_TYPES = vocab.choices(vocab.ExpenseType)
DISABILITY_GRADES = [(0, "无"), (1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")]
SEXES = [("M", "男"), ("F", "女")]
