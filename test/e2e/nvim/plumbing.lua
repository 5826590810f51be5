-- Checks the Lua plumbing of client/nvim/lua/strata against the ECHO server (echo-lsp-server.mjs),
-- not against Strata: setup() starts a client per root, attaches buffers by filetype, passes the
-- settings as initializationOptions and `settings`, and :StrataStats/M.stats() reach the server.
-- Environment: STRATA_E2E_CMD (JSON array), STRATA_E2E_WORKSPACE, STRATA_E2E_OUT (result JSON).
local out = assert(os.getenv('STRATA_E2E_OUT'))
local result = { nvim = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. '.' .. tostring(vim.version().patch), errors = {} }

local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  local ws = assert(os.getenv('STRATA_E2E_WORKSPACE'))
  -- Keep every edited buffer loaded (the default from neovim 0.10 on), as a user's session would.
  vim.o.hidden = true
  local strata = require('strata')
  strata.setup({
    cmd = vim.fn.json_decode(assert(os.getenv('STRATA_E2E_CMD'))),
    settings = { memory = { hotMB = 77 }, languages = { 'go', 'bash' } },
  })
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/src/main.go'))
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/scripts/build.sh'))
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/notes.txt')) -- not a Strata filetype: must not attach

  local attached = vim.wait(10000, function() return #strata.clients() > 0 and strata.clients()[1].initialized end, 50)
  result.attached = attached
  local client = strata.clients()[1]
  result.clients = #strata.clients()
  if client then
    result.root = client.config.root_dir
    -- Let didOpen and the configuration exchange arrive.
    vim.wait(3000, function()
      local r = strata.request_sync(client, 'echo/state', nil, 2000)
      return r and r.result and #r.result.opened >= 2 and r.result.pulledConfiguration ~= vim.NIL and r.result.pulledConfiguration ~= nil
    end, 100)
    local reply = strata.request_sync(client, 'echo/state', nil, 2000)
    result.state = reply and reply.result
    -- A settings change at run time must reach the server.
    strata.update_settings({ memory = { hotMB = 99 } })
    vim.wait(3000, function()
      local r = strata.request_sync(client, 'echo/state', nil, 2000)
      local changes = r and r.result and r.result.configurationChanges or {}
      local last = changes[#changes]
      return last ~= nil and last.settings.strata.memory.hotMB == 99
    end, 100)
    local after = strata.request_sync(client, 'echo/state', nil, 2000)
    result.changesAfterUpdate = after and after.result and after.result.configurationChanges
    local stats, serr = strata.stats()
    result.stats = stats
    result.statsError = serr
    result.statsLines = stats and strata.format_stats(stats) or nil
    local buffers = {}
    for bufnr in pairs(client.attached_buffers or {}) do
      table.insert(buffers, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t'))
    end
    table.sort(buffers)
    result.attachedBuffers = buffers
  end
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
