import { createElement } from 'lwc';
import FerryInvoiceList from 'c/ferryInvoiceList';
import { refreshApex } from '@salesforce/apex';
import getColumns from '@salesforce/apex/FerryInvoiceListController.getColumns';
import getBills from '@salesforce/apex/FerryInvoiceListController.getBills';
import getLineItems from '@salesforce/apex/FerryInvoiceListController.getLineItems';

// getColumns is wired: a test wire adapter emits what the controller would answer. getBills and
// getLineItems are called imperatively: plain mocks that resolve or reject.
jest.mock(
    '@salesforce/apex/FerryInvoiceListController.getColumns',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true },
);
jest.mock('@salesforce/apex/FerryInvoiceListController.getBills', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/FerryInvoiceListController.getLineItems', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex', () => ({ refreshApex: jest.fn(() => Promise.resolve()) }), { virtual: true });

const ACCOUNT_ID = '001000000000001AAA';

// What getColumns answers while Ferry has configured no column (FerryInvoiceListController.DEFAULT_COLUMNS).
const DEFAULT_COLUMNS = [
    { fieldName: 'Bill_Number__c', label: 'Bill', dataType: 'STRING' },
    { fieldName: 'Bill_Date__c', label: 'Date', dataType: 'DATE' },
    { fieldName: 'Due_Date__c', label: 'Due', dataType: 'DATE' },
    { fieldName: 'Status__c', label: 'Status', dataType: 'PICKLIST' },
    { fieldName: 'Total__c', label: 'Total', dataType: 'CURRENCY' },
    { fieldName: 'Ferry_Currency__c', label: 'Currency', dataType: 'STRING' },
];

const BILLS = [
    { Id: 'a01000000000002AAA', Name: 'B-2', Bill_Number__c: 'B-2', Bill_Date__c: '2026-02-28', Total__c: 95, Ferry_Currency__c: 'EUR' },
    { Id: 'a01000000000001AAA', Name: 'B-1', Bill_Number__c: 'B-1', Bill_Date__c: '2026-01-31', Total__c: 120.5, Ferry_Currency__c: 'EUR' },
];

const LINE_ITEMS = [
    { Id: 'a00000000000001AAA', Name: 'STANDING_CHARGE 1', Line_Type__c: 'Standing Charge', Quantity__c: '1', Unit_Price__c: '15', Amount__c: 15 },
    { Id: 'a00000000000002AAA', Name: 'USAGE 2', Line_Type__c: 'Usage', Quantity__c: '2', Unit_Price__c: '40', Amount__c: 80 },
];

// Lets resolved Apex promises land and the component render again.
function flushPromises() {
    return new Promise((resolve) => setTimeout(resolve, 0));
}

async function renderCard({ columns = DEFAULT_COLUMNS, bills = BILLS } = {}) {
    getBills.mockResolvedValue(bills);
    const element = createElement('c-ferry-invoice-list', { is: FerryInvoiceList });
    element.recordId = ACCOUNT_ID;
    element.maxBills = 25;
    document.body.appendChild(element);
    if (columns !== undefined) getColumns.emit(columns);
    await flushPromises();
    return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);

describe('c-ferry-invoice-list', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('lists the account\'s bills in the default columns, typed by field, with a row action', async () => {
        const element = await renderCard();

        expect(getBills).toHaveBeenCalledWith({ accountId: ACCOUNT_ID, limitSize: 25 });
        const table = $(element, 'lightning-datatable.bills');
        expect(table.data).toEqual(BILLS);
        expect(table.columns).toEqual([
            { label: 'Bill', fieldName: 'Bill_Number__c', type: 'text' },
            { label: 'Date', fieldName: 'Bill_Date__c', type: 'date-local' },
            { label: 'Due', fieldName: 'Due_Date__c', type: 'date-local' },
            { label: 'Status', fieldName: 'Status__c', type: 'text' },
            { label: 'Total', fieldName: 'Total__c', type: 'currency', typeAttributes: { currencyCode: { fieldName: 'Ferry_Currency__c' } } },
            { label: 'Currency', fieldName: 'Ferry_Currency__c', type: 'text' },
            { type: 'action', typeAttributes: { rowActions: [{ label: 'View line items', name: 'view_line_items' }] } },
        ]);
        expect($(element, 'lightning-card').title).toBe('Invoices');
    });

    it('shows the configured columns in their order under their configured labels', async () => {
        const element = await renderCard({
            columns: [
                { fieldName: 'Total__c', label: 'Amount due', dataType: 'CURRENCY' },
                { fieldName: 'Bill_Number__c', label: 'Invoice', dataType: 'STRING' },
                { fieldName: 'Period_End__c', label: 'Period end', dataType: 'DATE' },
            ],
        });

        const columns = $(element, 'lightning-datatable.bills').columns;
        expect(columns.map((c) => [c.fieldName, c.label, c.type])).toEqual([
            ['Total__c', 'Amount due', 'currency'],
            ['Bill_Number__c', 'Invoice', 'text'],
            ['Period_End__c', 'Period end', 'date-local'],
            [undefined, undefined, 'action'],
        ]);
    });

    it('asks the server for the columns once per load, past the client cache of the cacheable method', async () => {
        await renderCard();
        getColumns.emit(DEFAULT_COLUMNS); // the refreshed answer, which asks for no further refresh
        await flushPromises();

        expect(refreshApex).toHaveBeenCalledTimes(1);
        expect(refreshApex.mock.calls[0][0].data).toEqual(DEFAULT_COLUMNS);
    });

    it('says so when the account has no bills yet', async () => {
        const element = await renderCard({ bills: [] });

        expect($(element, '.empty').textContent).toBe('No invoices yet');
        expect($(element, 'lightning-datatable')).toBeNull();
    });

    it('shows the Apex error message when the bills cannot be read', async () => {
        getBills.mockRejectedValue({ body: { message: 'Insufficient permissions: secure query included inaccessible field' }, status: 500 });
        const element = createElement('c-ferry-invoice-list', { is: FerryInvoiceList });
        element.recordId = ACCOUNT_ID;
        document.body.appendChild(element);
        getColumns.emit(DEFAULT_COLUMNS);
        await flushPromises();

        expect($(element, '.error').textContent).toBe('Insufficient permissions: secure query included inaccessible field');
        expect($(element, 'lightning-datatable')).toBeNull();
    });

    it('shows the Apex error message when the columns cannot be read', async () => {
        const element = await renderCard({ columns: undefined });
        getColumns.error({ message: 'List has no rows for assignment to SObject' });
        await flushPromises();

        expect($(element, '.error').textContent).toBe('List has no rows for assignment to SObject');
        expect($(element, 'lightning-datatable')).toBeNull();
    });

    it('shows a bill\'s line items in the bill\'s currency, and goes back to the bills', async () => {
        getLineItems.mockResolvedValue(LINE_ITEMS);
        const element = await renderCard();

        $(element, 'lightning-datatable.bills').dispatchEvent(
            new CustomEvent('rowaction', { detail: { action: { name: 'view_line_items' }, row: BILLS[1] } }),
        );
        await flushPromises();

        expect(getLineItems).toHaveBeenCalledWith({ billId: BILLS[1].Id });
        expect($(element, 'h3').textContent).toBe('Line items of B-1');
        const items = $(element, 'lightning-datatable.line-items-table');
        expect(items.data).toEqual(LINE_ITEMS);
        expect(items.columns.map((c) => c.label)).toEqual(['Type', 'Product', 'Description', 'Quantity', 'Unit price', 'Amount']);
        expect(items.columns.find((c) => c.fieldName === 'Amount__c').typeAttributes).toEqual({ currencyCode: 'EUR' });
        expect($(element, 'lightning-datatable.bills')).toBeNull();

        $(element, 'lightning-button.back').click();
        await flushPromises();

        expect($(element, 'lightning-datatable.bills').data).toEqual(BILLS);
        expect($(element, '.line-items')).toBeNull();
    });

    it('shows the Apex error message when a bill\'s line items cannot be read', async () => {
        getLineItems.mockRejectedValue({ body: { message: 'Bill not found' } });
        const element = await renderCard();

        $(element, 'lightning-datatable.bills').dispatchEvent(
            new CustomEvent('rowaction', { detail: { action: { name: 'view_line_items' }, row: BILLS[0] } }),
        );
        await flushPromises();

        expect($(element, '.line-items-error').textContent).toBe('Bill not found');
        expect($(element, 'lightning-button.back')).not.toBeNull();
    });
});
