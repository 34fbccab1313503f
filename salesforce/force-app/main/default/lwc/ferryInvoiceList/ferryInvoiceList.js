import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getColumns from '@salesforce/apex/FerryInvoiceListController.getColumns';
import getBills from '@salesforce/apex/FerryInvoiceListController.getBills';
import getLineItems from '@salesforce/apex/FerryInvoiceListController.getLineItems';

const VIEW_LINE_ITEMS = 'view_line_items';
const CURRENCY_FIELD = 'Ferry_Currency__c';

// One datatable column for one column of FerryInvoiceListController.getColumns(), typed by the
// field's Schema.DisplayType. Dates are `date-local`, the datatable's type for a date without a
// time: plain `date` reads "2026-01-31" as midnight UTC and shows the day before west of Greenwich.
function billColumn({ fieldName, label, dataType }) {
    switch (dataType) {
        case 'CURRENCY':
            return { label, fieldName, type: 'currency', typeAttributes: { currencyCode: { fieldName: CURRENCY_FIELD } } };
        case 'DATE':
            return { label, fieldName, type: 'date-local' };
        default:
            return { label, fieldName, type: 'text' };
    }
}

const ROW_ACTIONS = { type: 'action', typeAttributes: { rowActions: [{ label: 'View line items', name: VIEW_LINE_ITEMS }] } };

// Quantity and unit price are exact decimals kept as text (see their field descriptions): shown as
// they are, never rounded by a number cell.
function lineItemTableColumns(currencyCode) {
    return [
        { label: 'Type', fieldName: 'Line_Type__c', type: 'text' },
        { label: 'Product', fieldName: 'Product_Code__c', type: 'text' },
        { label: 'Description', fieldName: 'Description__c', type: 'text', wrapText: true },
        { label: 'Quantity', fieldName: 'Quantity__c', type: 'text' },
        { label: 'Unit price', fieldName: 'Unit_Price__c', type: 'text' },
        { label: 'Amount', fieldName: 'Amount__c', type: 'currency', typeAttributes: { currencyCode } },
    ];
}

// The message of an Apex or wire error: { body: { message } } from Apex, an array of them from
// the UI API, or a JavaScript Error.
function messageOf(error) {
    const body = error?.body;
    if (Array.isArray(body)) return body.map((e) => e.message).join(', ');
    if (typeof body?.message === 'string') return body.message;
    if (typeof error?.message === 'string') return error.message;
    return 'Unknown error';
}

export default class FerryInvoiceList extends LightningElement {
    @api recordId;
    @api maxBills = 50;

    columns;
    bills;
    errorMessage;
    selectedBill;
    lineItems;
    lineItemsError;

    columnsRefreshed = false;

    // getColumns is cacheable, so the first answer may come from the client's Apex cache, filled
    // earlier in the session (the platform promises no cache duration). Ferry can change the
    // columns at any time: one refreshApex per load asks the server, which reads the custom setting
    // on every call, and the wire then provides the current columns. So a change shows on the next
    // page load, at the price of one small extra request.
    @wire(getColumns)
    wiredColumns(response) {
        const { data, error } = response;
        if (error) {
            this.errorMessage = messageOf(error);
        } else if (data) {
            this.columns = [...data.map(billColumn), ROW_ACTIONS];
            if (!this.columnsRefreshed) {
                this.columnsRefreshed = true;
                // Once this provisioning is over, so the refresh surely knows the value it is given.
                Promise.resolve()
                    .then(() => refreshApex(response))
                    .catch((e) => {
                        this.errorMessage = messageOf(e);
                    });
            }
        }
    }

    // Bills are read imperatively from a method that is not cacheable: the list is the server's on
    // every load, with the bills Ferry delivered a moment ago.
    connectedCallback() {
        this.loadBills();
    }

    async loadBills() {
        try {
            this.bills = await getBills({ accountId: this.recordId, limitSize: this.maxBills });
        } catch (error) {
            this.errorMessage = messageOf(error);
        }
    }

    get isLoading() {
        return this.bills === undefined || (this.bills.length > 0 && this.columns === undefined);
    }

    get hasBills() {
        return this.bills.length > 0;
    }

    get lineItemsTitle() {
        return `Line items of ${this.selectedBill.Name}`;
    }

    get lineItemColumns() {
        return lineItemTableColumns(this.selectedBill[CURRENCY_FIELD]);
    }

    get hasLineItems() {
        return this.lineItems?.length > 0;
    }

    async handleRowAction(event) {
        if (event.detail.action.name !== VIEW_LINE_ITEMS) return;
        const bill = event.detail.row;
        this.selectedBill = bill;
        this.lineItems = undefined;
        this.lineItemsError = undefined;
        try {
            const items = await getLineItems({ billId: bill.Id });
            // The answer for a bill the user has since left is dropped.
            if (this.selectedBill?.Id === bill.Id) this.lineItems = items;
        } catch (error) {
            if (this.selectedBill?.Id === bill.Id) this.lineItemsError = messageOf(error);
        }
    }

    handleBack() {
        this.selectedBill = undefined;
        this.lineItems = undefined;
        this.lineItemsError = undefined;
    }
}
