-- Argo CD health of a FargateWorkload, from the operator's kstatus conditions:
--   Progressing  the operator has not observed this generation yet, or Ready is not True
--   Degraded     Stalled=True: only a change of spec or account helps (message says what)
--   Healthy      Ready=True
-- Also in deploy/argocd/argocd-cm-patch.yaml (a test keeps the two identical). Lua 5.1.
local hs = {}

local function condition(status, type)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function explain(c)
  if c == nil then
    return nil
  end
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return c.reason
end

local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the FargateWorkload"
  return hs
end
if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation .. " (it has seen " .. status.observedGeneration .. ")"
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = explain(stalled) or "Stalled"
  return hs
end

local ready = condition(status, "Ready")
if ready ~= nil and ready.status == "True" then
  local parts = {}
  if status.fargateProfile ~= nil and status.fargateProfile.name ~= nil then
    table.insert(parts, "Fargate profile " .. status.fargateProfile.name)
  end
  if status.replicas ~= nil then
    table.insert(parts, (status.readyReplicas or 0) .. "/" .. status.replicas .. " replicas ready")
  end
  if status.loadBalancer ~= nil and status.loadBalancer.hostname ~= nil then
    table.insert(parts, "at " .. status.loadBalancer.hostname)
  end
  hs.status = "Healthy"
  if #parts > 0 then
    hs.message = table.concat(parts, ", ")
  else
    hs.message = explain(ready) or "Ready"
  end
  return hs
end

hs.status = "Progressing"
hs.message = explain(ready) or explain(condition(status, "Reconciling")) or "Waiting for the FargateWorkload to be Ready"
return hs
