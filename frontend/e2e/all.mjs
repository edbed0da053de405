// Every browser test in one process, so they share one Chromium (harness.mjs)
// and the one binary make built: `node --test frontend/e2e/all.mjs`.
import { after } from 'node:test'
import { closeBrowser } from './harness.mjs'
import './smoke.test.mjs'
import './budget.test.mjs'
import './journey.test.mjs'
import './review.test.mjs'
import './phone.test.mjs'
import './layout.test.mjs'
import './reports.test.mjs'
import './exports.test.mjs'
import './push.test.mjs'
import './wecom.test.mjs'
import './signals.test.mjs'
import './files.test.mjs'
import './people.test.mjs'

after(closeBrowser)
