-- Strata for neovim: starts `strata --stdio` through neovim's built-in LSP client for every filetype
-- Strata parses, one client per project root, and adds :StrataStats and :StrataRestart.
--
-- Works on neovim 0.7 (Debian bookworm) and newer: where `vim.lsp.start` exists (0.8+) it does the
-- reuse-a-client-per-root work itself; on 0.7 this module keeps a client per root and attaches
-- buffers with `vim.lsp.buf_attach_client`. Only APIs present in 0.7 are used on that path
-- (no vim.fs, no vim.iter), so the same file runs everywhere.
--
--   require('strata').setup({
--     cmd = { 'strata', '--stdio' },          -- how to start the server
--     settings = { memory = { totalMB = 512 } }, -- the `strata` settings section
--     root_markers = { '.git' },              -- files/folders that mark a project root
--     root_dir = nil,                         -- a path, or function(bufnr, path) -> path, overrides markers
--     filetypes = nil,                        -- defaults to M.filetypes
--     capabilities = nil, on_attach = nil, on_init = nil, -- as for vim.lsp.start
--   })
--   require('strata').update_settings({ memory = { hotMB = 128 } }) -- at run time

local M = {}

local uv = vim.uv or vim.loop

-- neovim filetypes of the languages in server/src/syntax/languages.ts. neovim sends the filetype as
-- the LSP languageId; the server falls back to the file extension for ids it does not know (cuda).
M.filetypes = {
  'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'python', 'go', 'rust',
  'c', 'cpp', 'cuda', 'java', 'json', 'jsonc', 'sh', 'bash', 'zsh',
}

local defaults = {
  cmd = { 'strata', '--stdio' },
  settings = {},
  root_markers = { '.git' },
  root_dir = nil,
  filetypes = nil,
  capabilities = nil,
  on_attach = nil,
  on_init = nil,
}

local options = vim.deepcopy(defaults)
-- neovim 0.7 only: client id per root directory.
local clients_by_root = {}
local augroup

-- Client methods: called with `:` since 0.11 (the `.` form is deprecated there), with `.` before.
local method_call = vim.fn.has('nvim-0.11') == 1
local function call(client, name, ...)
  if method_call then return client[name](client, ...) end
  return client[name](...)
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function dirname(path)
  local parent = path:match('^(.*)/[^/]*$')
  if parent == nil or parent == '' then return '/' end
  return parent
end

--- The nearest ancestor of `path` (a file or folder) holding one of `markers`, or nil.
function M.find_root(path, markers)
  local dir = exists(path) and uv.fs_stat(path).type == 'directory' and path or dirname(path)
  while true do
    for _, marker in ipairs(markers) do
      if exists(dir .. '/' .. marker) then return dir end
    end
    if dir == '/' then return nil end
    dir = dirname(dir)
  end
end

local function root_for(bufnr, path)
  local given = options.root_dir
  if type(given) == 'function' then
    local r = given(bufnr, path)
    if r then return r end
  elseif type(given) == 'string' then
    return given
  end
  -- No marker: the folder of the file, so that a stray file still gets outline and folds.
  return M.find_root(path, options.root_markers) or dirname(path)
end

--- The client configuration for a root: usable with vim.lsp.start, vim.lsp.start_client or lspconfig.
function M.config(root)
  local capabilities = options.capabilities or vim.lsp.protocol.make_client_capabilities()
  return {
    name = 'strata',
    cmd = options.cmd,
    root_dir = root,
    workspace_folders = root and { { uri = vim.uri_from_fname(root), name = root } } or nil,
    capabilities = capabilities,
    -- The server reads its settings from initializationOptions and answers to
    -- workspace/configuration (section `strata`) through `settings`; neovim also sends them once
    -- in workspace/didChangeConfiguration after initialize.
    init_options = options.settings,
    settings = { strata = options.settings },
    on_attach = options.on_attach,
    -- neovim 0.7 does not send the settings after initialize by itself (newer versions do; a
    -- second copy is harmless), and the server applies settings from this notification.
    on_init = function(client)
      call(client, 'notify', 'workspace/didChangeConfiguration', { settings = client.config.settings })
      if options.on_init then options.on_init(client) end
    end,
  }
end

--- Changes the settings of the running servers (and of servers started later), the way an editor
--- sends a changed configuration: workspace/didChangeConfiguration, and `settings` for later pulls.
function M.update_settings(settings)
  options.settings = settings
  for _, c in ipairs(M.clients()) do
    c.config.settings = { strata = settings }
    call(c, 'notify', 'workspace/didChangeConfiguration', { settings = c.config.settings })
  end
end

local function attach(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then return end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then return end -- a nameless buffer has no URI the server could index
  local root = root_for(bufnr, path)
  if vim.lsp.start then
    vim.lsp.start(M.config(root), { bufnr = bufnr })
    return
  end
  -- neovim 0.7: one client per root, started on the first buffer of that root.
  local id = clients_by_root[root]
  -- get_client_by_id also finds a client still initializing (client_is_stopped would call it stopped
  -- and a second server would start for the same root).
  local existing = id and vim.lsp.get_client_by_id(id)
  if existing == nil or existing.is_stopped() then
    id = vim.lsp.start_client(M.config(root))
    if id == nil then
      vim.notify('strata: could not start ' .. table.concat(options.cmd, ' '), vim.log.levels.ERROR)
      return
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

--- The Strata clients running in this neovim (0.7 has no get_clients{name=...} filter).
function M.clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local found = {}
  for _, c in ipairs(all) do
    if c.name == 'strata' then table.insert(found, c) end
  end
  return found
end

--- client.request_sync for any neovim version (tests and user code share this).
function M.request_sync(client, method, params, timeout_ms, bufnr)
  return call(client, 'request_sync', method, params or vim.empty_dict(), timeout_ms or 5000, bufnr or 0)
end

--- `strata/stats` of the first Strata client, or nil and an error message.
function M.stats(timeout_ms)
  local client = M.clients()[1]
  if client == nil then return nil, 'no Strata client is running' end
  local reply = M.request_sync(client, 'strata/stats', vim.empty_dict(), timeout_ms)
  if reply == nil then return nil, 'no answer to strata/stats' end
  if reply.err then return nil, reply.err.message or vim.inspect(reply.err) end
  return reply.result
end

local function human(bytes)
  local units = { 'B', 'KB', 'MB', 'GB', 'TB' }
  local i = 1
  while bytes >= 1024 and i < #units do bytes = bytes / 1024; i = i + 1 end
  return string.format(i == 1 and '%d %s' or '%.1f %s', bytes, units[i])
end

--- The stats as lines for people (used by :StrataStats).
function M.format_stats(s)
  local lines = { string.format('Strata: %d files, %s of source', s.files or 0, human(s.bytes or 0)) }
  local budgets = s.budgets or {}
  for _, tier in ipairs({ 'hot', 'warm', 'cold' }) do
    local t = (s.tiers or {})[tier] or {}
    local budget = budgets[tier .. 'Bytes']
    table.insert(lines, string.format('  %-4s %7d files  %10s%s', tier, t.files or 0, human(t.bytes or 0),
      budget and budget > 0 and (' / ' .. human(budget)) or ''))
  end
  local st, tr, ig = s.store or {}, s.trees or {}, s.integrity or {}
  table.insert(lines, string.format('  store: %s raw, %s stored, dedup %.2fx, compression %.2fx',
    human(st.rawBytes or 0), human(st.storedBytes or 0), st.dedupRatio or 0, st.compressionRatio or 0))
  table.insert(lines, string.format('  trees: %d live (%d created, %d deleted)  parse errors: %d',
    tr.live or 0, tr.created or 0, tr.deleted or 0, s.parseErrors or 0))
  table.insert(lines, string.format('  integrity: %d verified reads, %d CRC failures, %d fallbacks',
    ig.verifiedReads or 0, ig.crcFailures or 0, ig.fallbacks or 0))
  return lines
end

function M.setup(opts)
  options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if opts and opts.settings then options.settings = opts.settings end -- a table, not merged with {}
  local filetypes = options.filetypes or M.filetypes

  augroup = vim.api.nvim_create_augroup('strata', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = filetypes,
    callback = function(args) attach(args.buf) end,
  })
  -- Buffers whose FileType already fired before setup() ran.
  local wanted = {}
  for _, ft in ipairs(filetypes) do wanted[ft] = true end
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and wanted[vim.bo[bufnr].filetype] then attach(bufnr) end
  end

  vim.api.nvim_create_user_command('StrataStats', function()
    local s, err = M.stats()
    if s == nil then
      vim.notify('strata: ' .. err, vim.log.levels.WARN)
    else
      vim.notify(table.concat(M.format_stats(s), '\n'), vim.log.levels.INFO)
    end
  end, { desc = 'Show the Strata cache statistics' })

  vim.api.nvim_create_user_command('StrataRestart', function()
    local buffers = {}
    for _, c in ipairs(M.clients()) do
      for bufnr in pairs(c.attached_buffers or {}) do table.insert(buffers, bufnr) end
      call(c, 'stop')
    end
    clients_by_root = {}
    -- Give the old processes a moment to exit before the new clients start.
    vim.defer_fn(function()
      for _, bufnr in ipairs(buffers) do attach(bufnr) end
    end, 500)
  end, { desc = 'Restart the Strata language server' })
end

return M
