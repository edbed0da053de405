// Mirror of forms/vague.go: a text made only of stock phrases ("虚、大、空") is vague.
const stockPhrases = [
  '高度重视', '认真落实', '切实加强', '进一步', '加强', '提高', '认真', '落实', '切实', '全面', '深入', '扎实',
  '推进', '抓好', '强化', '不断', '努力', '积极', '完善', '持续', '贯彻', '工作', '有效', '大力', '稳步',
  '着力', '坚决', '确保', '提升', '狠抓', '做好', '整改', '问题', '措施', '力度', '意识', '水平', '能力', '作风',
  '建设', '管理', '机制', '制度', '相关', '各项',
]

const minSubstance = 6

export function isVague(s: string): boolean {
  for (const p of stockPhrases) s = s.split(p).join('')
  s = s.replace(/[\p{P}\p{S}\s]/gu, '')
  return [...s].length < minSubstance
}
