-- End-to-end check of the REAL Strata server through neovim's built-in LSP client and the project's
-- setup (client/nvim/lua/strata). Opens files of a copy of examples/demo, asks for outline, folds,
-- workspace symbols, definitions, diagnostics and strata/stats, and writes the raw answers (plus the
-- positions they should point at) to a JSON file that nvim.test.ts asserts on. Lua collects; Node judges.
-- Environment: STRATA_E2E_CMD (JSON array), STRATA_E2E_WORKSPACE, STRATA_E2E_OUT.
local out = assert(os.getenv('STRATA_E2E_OUT'))
local ws = assert(os.getenv('STRATA_E2E_WORKSPACE'))
local result = { errors = {}, symbols = {}, folds = {}, workspaceSymbols = {}, definitions = {}, diagnostics = {} }
local TIMEOUT = 20000

local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local strata = require('strata')

local function open(rel)
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/' .. rel))
  local bufnr = vim.api.nvim_get_current_buf()
  local ok = vim.wait(TIMEOUT, function()
    local c = strata.clients()[1]
    return c ~= nil and c.initialized and c.attached_buffers[bufnr] ~= nil
  end, 50)
  if not ok then error('no Strata client attached to ' .. rel) end
  return bufnr
end

-- The single result of the Strata client for a buffer request (nil when there is none).
local function request(bufnr, method, params)
  local replies = vim.lsp.buf_request_sync(bufnr, method, params, TIMEOUT) or {}
  for _, reply in pairs(replies) do
    if reply.err then error(method .. ': ' .. vim.inspect(reply.err)) end
    return reply.result
  end
  return nil
end

-- 0-based {line, character} of `needle` on the first line matching `line_pattern` (plain find).
local function position(bufnr, line_text, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local s = line:find(line_text, 1, true)
    if s then
      local col = line:find(needle, 1, true)
      return { line = i - 1, character = col - 1 }
    end
  end
  error('not found: ' .. line_text)
end

local function text_document(bufnr)
  return { uri = vim.uri_from_bufnr(bufnr) }
end

-- Workspace symbols arrive once indexing has reached the file: ask until `want` shows up.
local function workspace_symbols(bufnr, query, want_suffix)
  local last
  vim.wait(60000, function()
    last = request(bufnr, 'workspace/symbol', { query = query }) or {}
    for _, s in ipairs(last) do
      if s.name == query and s.location.uri:sub(-#want_suffix) == want_suffix then return true end
    end
    return false
  end, 250)
  return last
end

-- The server indexes the workspace in the background and reports it with $/progress (begin, report,
-- end). Watch for the `end` through the global handler (same signature from 0.7 on; 0.7 keeps
-- progress in client.messages, 0.10+ in client.progress, so the handler is the stable place).
local index_done = false
local default_progress = vim.lsp.handlers['$/progress']
vim.lsp.handlers['$/progress'] = function(err, res, ctx, config)
  if res and type(res.value) == 'table' and res.value.kind == 'end' then index_done = true end
  if default_progress then return default_progress(err, res, ctx, config) end
end

local ok, err = pcall(function()
  vim.o.hidden = true
  strata.setup({
    cmd = vim.fn.json_decode(assert(os.getenv('STRATA_E2E_CMD'))),
    settings = { memory = { totalMB = 256, hotMB = 64 }, cacheDir = ws .. '/../cache' },
  })

  local go = open('go/store.go')
  local rust = open('rust/lib.rs')
  local sh = open('scripts/deploy.sh')
  local release = open('scripts/release')
  result.filetypes = { go = vim.bo[go].filetype, rust = vim.bo[rust].filetype, sh = vim.bo[sh].filetype, release = vim.bo[release].filetype }

  for name, bufnr in pairs({ go = go, rust = rust, sh = sh, release = release }) do
    result.symbols[name] = request(bufnr, 'textDocument/documentSymbol', { textDocument = text_document(bufnr) })
  end
  result.folds.go = request(go, 'textDocument/foldingRange', { textDocument = text_document(go) })
  result.expect = {
    goStoreStruct = position(go, 'type Store struct', 'Store'),
    goNewStore = position(go, 'func NewStore', 'NewStore'),
    shBuildAll = position(sh, 'build_all() {', 'build_all'),
    rustQueue = position(rust, 'pub struct Queue', 'Queue'),
  }

  -- Wait for the index run, so that workspace symbols and stats cover files no buffer has open.
  result.indexDone = vim.wait(60000, function() return index_done end, 100)

  result.workspaceSymbols.NewStore = workspace_symbols(go, 'NewStore', 'go/store.go')
  result.workspaceSymbols.Queue = workspace_symbols(go, 'Queue', 'rust/lib.rs')
  result.workspaceSymbols.build_all = workspace_symbols(go, 'build_all', 'scripts/deploy.sh')
  result.workspaceSymbols.tag_release = workspace_symbols(go, 'tag_release', 'scripts/release')
  -- A file that is never opened in this session: only the workspace index knows it.
  result.workspaceSymbols.Warehouse = workspace_symbols(go, 'Warehouse', 'python/inventory.py')

  -- Go to definition: a use of the name -> the line that defines it.
  local function definition(bufnr, line_text, needle)
    local pos = position(bufnr, line_text, needle)
    return request(bufnr, 'textDocument/definition', { textDocument = text_document(bufnr), position = pos })
  end
  result.definitions.goStore = definition(go, 'return &Store{', 'Store')
  result.definitions.shBuildAll = definition(sh, 'build_all && return 0', 'build_all')
  result.definitions.rustQueue = definition(rust, 'pub fn drain(queue: &mut super::Queue)', 'Queue')

  -- Syntax diagnostics are pushed: wait for them on the broken file, then read what the clean one has.
  local broken = open('web/broken.js')
  vim.wait(TIMEOUT, function() return #vim.diagnostic.get(broken) > 0 end, 100)
  result.diagnostics.broken = vim.diagnostic.get(broken)
  result.diagnostics.go = vim.diagnostic.get(go)

  local stats, serr = strata.stats(TIMEOUT)
  result.stats = stats
  result.statsError = serr
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
