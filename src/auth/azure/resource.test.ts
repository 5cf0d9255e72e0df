import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMirid, verifyResource, type LoginResource, type ResourceBounds } from './resource.js';

const VM = '/subscriptions/sub-1/resourcegroups/rg-a/providers/Microsoft.Compute/virtualMachines/vm-1';
const VMSS = '/subscriptions/sub-1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachineScaleSets/ss-1';
const none: LoginResource = { subscriptionId: '', resourceGroupName: '', vmName: '', vmssName: '' };
const open: ResourceBounds = { boundSubscriptionIds: [], boundResourceGroups: [], boundScaleSets: [] };

test('parseMirid reads VMs and scale sets, nothing else', () => {
  assert.deepEqual(parseMirid(VM), { subscriptionId: 'sub-1', resourceGroup: 'rg-a', vmName: 'vm-1', vmssName: '' });
  assert.deepEqual(parseMirid(VMSS), { subscriptionId: 'sub-1', resourceGroup: 'rg-a', vmName: '', vmssName: 'ss-1' });
  assert.equal(parseMirid('/subscriptions/s/resourcegroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x'), null);
  assert.equal(parseMirid(''), null);
});

test('verifyResource: login fields must agree with the claim, and the role bounds apply to it', () => {
  const vm = parseMirid(VM);
  const ok: [LoginResource, ResourceBounds][] = [
    [none, open],
    [{ subscriptionId: 'SUB-1', resourceGroupName: 'rg-a', vmName: 'vm-1', vmssName: '' }, { ...open, boundSubscriptionIds: ['sub-1'], boundResourceGroups: ['RG-A'] }],
  ];
  for (const [p, b] of ok) assert.equal(verifyResource(p, vm, b).vmName, 'vm-1');
  const bad: [LoginResource, ReturnType<typeof parseMirid>, ResourceBounds, string][] = [
    [{ ...none, subscriptionId: 'sub-2' }, vm, open, "subscription_id does not match the token's xms_mirid"],
    [{ ...none, resourceGroupName: 'rg-b' }, vm, open, "resource_group_name does not match the token's xms_mirid"],
    [{ ...none, vmName: 'vm-2' }, vm, open, "vm_name does not match the token's xms_mirid"],
    [{ ...none, vmssName: 'ss-1' }, vm, open, "vmss_name does not match the token's xms_mirid"],
    [none, vm, { ...open, boundSubscriptionIds: ['sub-2'] }, 'subscription not authorized'],
    [none, vm, { ...open, boundResourceGroups: ['rg-b'] }, 'resource group not authorized'],
    [none, vm, { ...open, boundScaleSets: ['ss-1'] }, 'scale set not authorized'],
    [none, null, { ...open, boundSubscriptionIds: ['sub-1'] }, 'subscription not authorized'],
  ];
  for (const [p, mi, b, text] of bad) assert.throws(() => verifyResource(p, mi, b), { message: text }, text);
  // A token without xms_mirid (an app's, or a user-assigned identity's): as Vault, a role
  // without resource binds does not look at the resource; the unverified fields are not kept.
  assert.deepEqual(verifyResource({ subscriptionId: 'sub-1', resourceGroupName: 'rg-a', vmName: 'vm-1', vmssName: '' }, null, open), { subscriptionId: '', resourceGroup: '', vmName: '', vmssName: '' });
  assert.throws(() => verifyResource({ ...none, resourceGroupName: 'rg-a' }, null, { ...open, boundResourceGroups: ['rg-a'] }), { message: 'resource group not authorized' });
  assert.equal(verifyResource({ ...none, vmssName: 'SS-1' }, parseMirid(VMSS), { ...open, boundScaleSets: ['ss-1'] }).vmssName, 'ss-1');
});
