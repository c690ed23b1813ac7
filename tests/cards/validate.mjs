// Validates Adaptive Cards with Microsoft's own parser, the `adaptivecards` package.
//
// stdin: a JSON array of cards. stdout: a JSON array with one list of error strings per card (empty: valid).
//
// The parser on its own is lenient in ways that would hide our mistakes, so this script adds two checks:
// properties the parser has never heard of (it skips them silently, and so would Teams), and properties the
// Adaptive Card schema marks as required but the parser does not check (a TextBlock without text).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The package's "main" (lib/) is ES modules with extensionless relative imports, which node refuses to load;
// dist/ holds the self-contained UMD bundle (swiper included) that loads in plain node, no DOM needed to parse.
const AC = require("adaptivecards/dist/adaptivecards.js");

// Required by the 1.5 schema (adaptivecards.io/explorer) but never reported by parse() or validateProperties().
// Inputs without an id, Images without a url, choices without a title or value: the library reports those itself.
const REQUIRED = {
    TextBlock: ["text"],
    TextRun: ["text"],
    FactSet: ["facts"],
    Fact: ["title", "value"],
    "Input.Toggle": ["title"],
    Container: ["items"],
    ActionSet: ["actions"],
    ImageSet: ["images"],
    Media: ["sources"],
    TableCell: ["items"],
};

// Only the ColumnSet "don't mix weighted and stretched columns" advice is a Hint: a layout tip about how widths
// are shared, the card is still valid and renders. Every other event (unknown types or properties, bad values,
// newer-than-declared features, missing ids, too many actions, ...) is an error.
const INFORMATIONAL = new Set([AC.ValidationEvent.Hint]);

/** JSON path of every object in a card, so each error says where it is. */
function indexPaths(value, path, paths) {
    if (value && typeof value === "object") {
        paths.set(value, path);
        if (Array.isArray(value)) {
            value.forEach((item, index) => indexPaths(item, `${path}[${index}]`, paths));
        } else {
            for (const [key, item] of Object.entries(value)) {
                indexPaths(item, `${path}.${key}`, paths);
            }
        }
    }
    return paths;
}

function typeNameOf(object) {
    if (object instanceof AC.Fact) {
        return "Fact";
    }
    if (object instanceof AC.Choice) {
        return "Input.Choice";
    }
    return typeof object.getJsonTypeName === "function" ? object.getJsonTypeName() : object.constructor.name;
}

/** A source object wrapped so we learn which of its keys the parser looked at. */
function tracked(source) {
    const seen = new Set();
    let freeForm = false;
    const proxy = new Proxy(source, {
        get(target, key, receiver) {
            seen.add(key);
            return Reflect.get(target, key, receiver);
        },
        has(target, key) {
            seen.add(key);
            return Reflect.has(target, key);
        },
        getOwnPropertyDescriptor(target, key) {
            // hasOwnProperty(name) lands here: the schema loop asks for every property it knows.
            seen.add(key);
            return Reflect.getOwnPropertyDescriptor(target, key);
        },
        ownKeys(target) {
            // Only maps with arbitrary keys (a card's "requires") are enumerated; any key is fine there.
            freeForm = true;
            return Reflect.ownKeys(target);
        },
    });
    return { proxy, unread: () => (freeForm ? [] : Object.keys(source).filter((key) => !seen.has(key))) };
}

/** Keys that are fine on an object even when its parse did not read them. */
function knownKeys(object) {
    const schema = object.getSchema();
    const known = new Set(Array.from({ length: schema.getCount() }, (_, index) => schema.getItemAt(index).name));
    if (object instanceof AC.CardObject) {
        // Read by whoever parses the element or action, and only when the object itself cannot be used.
        known.add("fallback");
    }
    if (object instanceof AC.AdaptiveCard) {
        // A card inside Action.ShowCard takes both from its parent; the schema still allows them there.
        known.add("version").add("$schema");
    }
    return known;
}

/** The state of the card being validated; the parser is synchronous, so one at a time is all there is. */
const current = { paths: new Map(), sources: new WeakMap(), stack: [] };

function locate(object) {
    const source = object ? current.sources.get(object) : undefined;
    const path = source ? current.paths.get(source) : current.stack.at(-1);
    return path ?? "$";
}

// Every object the parser builds (elements, actions, facts, choices, ...) is parsed through this one method, so
// wrapping it sees each object with its JSON: which keys were never read, which required ones are missing.
const parse = AC.SerializableObject.prototype.parse;
AC.SerializableObject.prototype.parse = function checkedParse(source, context) {
    if (!source || typeof source !== "object" || Array.isArray(source)) {
        return parse.call(this, source, context);
    }
    current.sources.set(this, source);
    current.stack.push(current.paths.get(source) ?? "$");
    const { proxy, unread } = tracked(source);
    try {
        parse.call(this, proxy, context);
    } finally {
        current.stack.pop();
    }
    const type = typeNameOf(this);
    const unknown = unread().filter((key) => !knownKeys(this).has(key));
    for (const key of unknown) {
        context?.logParseEvent(
            this,
            AC.ValidationEvent.UnsupportedProperty,
            `Unknown property "${key}" on ${type}: the parser ignores it.`,
        );
    }
    for (const key of REQUIRED[type] ?? []) {
        const value = source[key];
        if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) {
            context?.logParseEvent(this, AC.ValidationEvent.PropertyCantBeNull, `${type} requires "${key}".`);
        }
    }
};

/** The objects the parser will try, in order, for one element or action: it, then its fallbacks. */
function fallbackChain(source) {
    const chain = [];
    for (let attempt = source; attempt && typeof attempt === "object"; attempt = attempt.fallback) {
        chain.push(attempt);
    }
    return chain;
}

/** A SerializationContext that also notes where each event happened, while that is still known. */
class LocatingContext extends AC.SerializationContext {
    locations = [];

    // A type the declared version does not know is an error, unless the element says what to use instead:
    // "fallback" (an element, or "drop") is how cards use newer features and stay valid for older hosts.
    parseCardObject(parent, source, forbiddenTypeNames, allowFallback, createInstance, logEvent) {
        const chain = fallbackChain(source);
        let attempt = -1; // the parser asks for an instance once per object it tries, then logs if it failed
        const counted = (typeName) => {
            attempt++;
            return createInstance(typeName);
        };
        const unlessFallback = (typeName, errorType) => {
            const fallback = chain[attempt]?.fallback;
            const covered = fallback === "drop" || (fallback !== null && typeof fallback === "object");
            if (!(allowFallback && covered && errorType === AC.TypeErrorType.UnknownType)) {
                logEvent(typeName, errorType);
            }
        };
        return super.parseCardObject(parent, source, forbiddenTypeNames, allowFallback, counted, unlessFallback);
    }

    logEvent(source, phase, event, message) {
        super.logEvent(source, phase, event, message);
        this.locations.push(locate(source));
    }
}

function describe(event, location) {
    const phase = AC.ValidationPhase[event.phase];
    return `${location}: ${AC.ValidationEvent[event.event]} (${phase}): ${event.message}`;
}

function declaredVersion(json, errors) {
    if (typeof json.version !== "string") {
        errors.push(`$.version: the card declares no version (got ${JSON.stringify(json.version)}).`);
        return AC.Versions.latest;
    }
    const version = AC.Version.parse(json.version, new AC.SerializationContext());
    if (!version || !version.isValid) {
        errors.push(`$.version: "${json.version}" is not a version.`);
        return AC.Versions.latest;
    }
    return version;
}

function cardErrors(json) {
    if (!json || typeof json !== "object" || Array.isArray(json)) {
        return [`$: expected an AdaptiveCard object, got ${JSON.stringify(json)}`];
    }
    const errors = [];
    current.paths = indexPaths(json, "$", new Map());
    current.sources = new WeakMap();
    current.stack = [];
    const context = new LocatingContext(declaredVersion(json, errors));
    const card = new AC.AdaptiveCard();
    card.parse(json, context);
    for (let index = 0; index < context.eventCount; index++) {
        const event = context.getEventAt(index);
        if (!INFORMATIONAL.has(event.event)) {
            errors.push(describe(event, context.locations[index]));
        }
    }
    for (const event of card.validateProperties().validationEvents) {
        if (!INFORMATIONAL.has(event.event)) {
            errors.push(describe(event, locate(event.source)));
        }
    }
    return errors;
}

const cards = JSON.parse(readFileSync(0, "utf8"));
if (!Array.isArray(cards)) {
    throw new TypeError("stdin must be a JSON array of cards");
}
process.stdout.write(
    JSON.stringify(
        cards.map((card) => {
            try {
                return cardErrors(card);
            } catch (error) {
                return [`$: the parser failed: ${error?.stack ?? error}`];
            }
        }),
    ),
);
