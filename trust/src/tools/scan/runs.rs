//! The caller's code run on the tool's own side, read from what a sentence
//! says rather than from one phrasing: a tool that converts currencies,
//! summarises a PDF or renders Markdown and also runs commands, scripts or
//! code it is handed has a capability its job does not explain, whoever
//! the code came from.
//!
//! A sentence counts when it holds all of:
//!
//! - **an act of running**: run, execute, evaluate, interpret, spawn,
//!   launch, carry out, source, kick off, load-and-call; passive ("are
//!   executed on the host"), nominal ("remote execution of", "a command
//!   runner", "shell access"), or input piped to a shell or handed to the
//!   operating system;
//! - **code**: commands, scripts, code, snippets, programs, binaries,
//!   payloads, modules, plugins, or something downloaded and then run, or
//!   an act that can only run code ("sourced", "piped to sh", "as shell
//!   commands"); not a command of some domain of its own (a voice, chat,
//!   bot, console or G-code command), which such tools carry out by design;
//! - **the caller's**: the user, the caller, the model or "you", a
//!   parameter of the tool or a field of its input, "arbitrary",
//!   "whatever", "any", or a URL that is given;
//! - **the tool as the one running it**: the sentence's own verb, "it",
//!   "we", the server, the backend, the service, the host; or the code
//!   itself as the subject ("any snippet in the label runs on the
//!   backend"), or the passive with no one else named ("are executed by the
//!   CI runner" is someone else's job).
//!
//! A sentence that points back ("it", "that script") reads the sentence
//! before it for the code and the caller. Nothing counts that is negated,
//! a mention ("flags tools that execute …"), contained (a sandbox, an
//! isolated VM, arguments passed as a list), or said by a tool named for
//! running things or for a place where code runs by design.

use super::text;
use crate::manifest::Tool;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

/// The act of running, in any voice.
static ACT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(runs?|ran|running|execut(e|es|ed|ing)|evaluat(e|es|ed|ing)|eval'?d|interpret(s|ed|ing)?|spawn(s|ed|ing)?|invok(e|es|ed|ing)|launch(es|ed|ing)?|start(s|ed)|kick(s|ed)? off|exec'd|(becomes?|is|are) (part of |the body of )(a |the )?(new function|function constructor|\$where( function)?)|fire(s|d)? off|carr(y|ies|ied) ((it|them|that \w+|the \w+) )?out|sources (it|them|the)|sourced( it| them)?( as| into| in| on| by|$)|shells? out|instance_eval'?d|class_eval'?d|compiles and (loads|runs)|(loads?|imports?)\b[^.;]{0,40}?\band (then )?(calls?|runs?|executes?|invokes?)|installs? (it |them )?(silently|quietly)|opens? (it|them) with the (system|default) (handler|application)|(pip(e|es|ed|ing)|pass(es|ed|ing)|hand(s|ed|ing)|sen(t|ds|ding)|fe(d|eds|eding)|dispatch(es|ed|ing)?)\b[^.;]{0,40}?\b(to|into|through) (a |the )?(((javascript|js|python|ruby|php|perl|node)('s)? )(eval|exec)|(ba|z)?sh|shell|(os|operating system) to (run|execute|carry out)|interpreter|os\.system|subprocess(\.\w+)?|popen|child_process(\.\w+)?|invoke-expression|new function|function constructor|`(sh|sh -c|bash|eval|exec|system)`|sh -c|(groovy |nashorn |jsr-?223 )?script ?engine|\$where( function)?|vm\.run\w*)(\b|\()|\b(to|into|through) (eval|exec|system)\(|(offers?|provides?|supports?|gives?|enables?|allows?|includes?|performs?|exposes?|with|has) (\w+ ){0,2}?((remote|arbitrary|code|command) execution|execution of|command runner|shell access)|execution of (user|caller|model|client|agent|llm|arbitrary)\S*)\b",
    )
});

/// What only code is: the object of the act, or what the act makes of it.
static CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b((\w+)[- ])?(commands?|scripts?|code|snippets?|programs?|binar(y|ies)|executables?|payloads?|plugins?|updaters?|installers?|shared librar(y|ies)|modules?|one-liners?|child process(es)?)\b|\b(python|javascript|ruby|perl|lua|php|bash|powershell)\b|\b(downloaded|attached) (files?|binar(y|ies)|archives?|attachments?)\b|\b(files?|binar(y|ies)|attachments?) downloaded\b|\.(bat|sh|ps1|cmd|py|js|exe|vbs) files?\b",
    )
});

/// Acts that can only run code, whatever they run.
static CODE_ACT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(sources (it|them|the)|sourced( it| them)?( as| into| in| on| by|$)|shells? out with [^.;]{0,40}? as (the |a )?(command|script)|instance_eval'?d|class_eval'?d|eval'?d|exec'd|(to|into|through) (a |the )?((ba|z)?sh( -c)?|shell|interpreter|os\.system)\b|(to|into|through) (the )?(os|operating system) to (run|execute|carry out)\b|(to|into|through) (a |the )?`(ba|z)?sh( -c)?`|(to|into|through) (eval|exec|system)\(|(becomes?|is|are) (part of |the body of )(a |the )?(new function|function constructor|(\w+ )?script|\$where( function)?|(\w+ )?shell command)|as (the |a |an )?(\w+ )?(commands?|scripts?|code|programs?)|child_process(\.\w+)?|os\.system|subprocess\.\w+|popen|invoke-expression|new function|function constructor|(javascript|js|python|ruby|php|perl)('s)? eval|(remote|arbitrary|code|command) execution|command runner|shell access)\b|\|\s*(ba|z)?sh\b",
    )
});

/// Downloaded first: whatever is then run is code.
static DOWNLOADS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(download(s|ed)?|fetch(es|ed)|retriev(es|ed)|grabs|pulls|pulled)\b"));

/// A command, program or script of a domain of its own, which a tool for
/// that domain carries out by design ("the voice command", "a G-code
/// program", "the test scripts").
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(voice|chat|bot|slash|console|admin|motion|gcode|g-code|rcon|game|irc|mission|drone|robot|print|printer|modem|at|redis|git|vim|editor|keyboard|menu|t-sql|sql|gcloud|kubectl|aws|docker|test|build|lint|migration|migrations|deploy|lifecycle|startup|saved|stored|npm|yarn|make|cli|debugger|gdb|query)$",
    )
});

/// Who gives what runs, attached to it: by or from the user, the caller or
/// the model, what "you" supply, a field of the input, "arbitrary",
/// "whatever", a URL that is given. Not the user merely named ("databases
/// the user has access to").
static CALLER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(by|from|of) ((the |a |an |any )?(users?|callers?|client|model|agent|assistant|llm|requester)|you)\b|\b(you|the (users?|callers?|client|model|agent|assistant|llm)) ((may|can|must|should|will|might) (also )?)?(supplies|supply|give|gives|provides?|pass(es)?|sends?|puts?|includes?|attach(es)?|names?|chooses?|writes?|specif(y|ies)|type|types|enter|enters|add|adds|append|appends)\b|\bthe (\w+ )?(field|parameter|argument|option|input) (holds|contains|takes|accepts|carries)\b|(^|[.;]\s)\W*(include|put|add|attach|append|supply|provide|pass|give|send|place|insert|embed)\b|\bany ((shell|python|javascript|js|bash|sql|system|os|custom|extra|additional|user|caller) )?(commands?|scripts?|code|snippets?|programs?|binar(y|ies)|payloads?|urls?|value|text|input|string)\b|\b(your|user's|users'|caller's|callers'|model's|agent's) (own )?(\w+ )?(commands?|scripts?|code|snippets?|programs?|binar(y|ies)|payloads?|plugins?|modules?|expressions?|one-liners?)\b|\b(arbitrary|unrestricted|unconstrained|free-form|whatever|anything|(user|caller|model|client|agent|llm)-(supplied|provided|chosen|given|written|controlled|defined|submitted))\b|\b(placed|put|included|include|embedded|appended|attached|named|listed|found|contained|given|supplied|provided|specified|sent|passed)\s+(in|into|after|under|within|by|as)\b|\b(in|from|after|via|through|under|at) (the |its |a |each )?(`[^`]{1,40}`|\w+)( \w+)? (field|parameter|param|argument|line|text|title|body|subject|header( row)?|metadata|payload|value|caption|memo|notes?|key|label|topic|options?|string values?|document|message|request|note|item text)\b|\b(from|at) (the |a )?(given|supplied|provided|passed|specified) (url|link|address|location)\b|\bfrom (any )?urls?\b|\b(lines|blocks|rows|cells|entries|values|strings|fields) (tagged|beginning|starting|marked|prefixed|containing|that (start|begin))\b|\bwith the [^.;]{0,30}? as (the|a) (command|script|code)\b|\bthe (\w+ )?(body|title|subject|alias|theme name|note|memo|caption|label)\b",
    )
});

/// The one running it, said in the words just before the act: nothing (a
/// description's own verb), a conjunction, or the tool, its server or its
/// backend.
static BY_THE_TOOL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"((^|[,;:(]|\b(and|so|also|by|but|yet))\W*(then\W+)?((it|we|this (tool|server|service|app|engine|platform)|the (tool|server|service|backend|host|worker|mcp server|api|app|engine|platform|daemon)|our (server|backend|service|worker|host|servers|workers|app|engine|platform|daemon)|(you|users|callers) (can|may)|(it )?(lets|allows|enables) (you|users|callers|the (user|caller|model)) (to )?)\W*)?|\b(which|that|what|something|anything)\s+(it|we|this (tool|server|service|app|engine|platform)|the (tool|server|service|backend|host|worker|mcp server|api|app|engine|platform|daemon)|our (server|backend|service|worker|host|servers|workers|app|engine|platform|daemon))\W*)((will|then|also|can|may|does|do|would|might|could|should|must|automatically|immediately|optionally|silently|quietly|secretly|additionally|just|simply|now|first|later|afterwards)\W+)*$",
    )
});

/// The passive with the tool as the one running it, or no one named.
static PASSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(is|are|gets?|got|be|been|being)\s+((then|also|automatically|immediately|silently|simply|just|later|afterwards|directly)\s+)*$",
    )
});

/// A URL the caller gives, or any URL.
static URL_GIVEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(from|at|to) (the |a |an |any )?((given|supplied|provided|passed|specified|user-supplied|caller-supplied|user-provided|arbitrary|any) (urls?|links?|address|location)|(urls?|links?) (in|you|the user|the caller|given|supplied|provided)|urls?\b)|\b(links|urls) in the\b",
    )
});

/// A sentence that begins with someone named as its subject ("the
/// cluster downloads …"), which a verb joined later ("… and runs it")
/// shares: not the tool, unless it is the tool.
static NAMED_SUBJECT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\W*(the|a|an|each|every|its|their|his|her) (mcp server|\w+)\b"));

/// The bare form of an act.
static BARE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(run|execute|evaluate|interpret|spawn|invoke|launch|start|kick off|fire off|carry( \w+( \w+)?)? out|shell out|install( \w+)?( \w+)?)$",
    )
});

/// What comes before a bare verb that orders the reader: nothing, a
/// conjunction, a comma ("… and run sam build"); not a subject ("we
/// execute it") or a modal ("the worker will run it").
static ORDER_LEAD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|[,;:(]|\b(and|or|then|please|first|also|just|simply|instead))\W*$"));

/// A pronoun as the subject of the act.
static PRONOUN: LazyLock<Regex> = LazyLock::new(|| re(r"^\W*(it|they)\W+(\w+\W+){0,3}$"));

/// Something the tool makes that runs of its own: a processor, a job, a
/// step, a hook, a rule, a function added, created or registered.
static MADE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(adds?|creates?|registers?|defines?|sets? up|configures?|installs?|deploys?|uploads?|submits?|schedules?|queues?|publishes?|binds?)\b[^.;]{0,60}?\b(processors?|jobs?|tasks?|steps?|functions?|hooks?|rules?|automations?|actions?|triggers?|schedules?|workflows?|pipelines?|nodes?|handlers?|workers?|extensions?|plugins?|templates?|bots?|lambdas?|scripts?|stages?|flows?|cells?|blocks?|macros?|userscripts?|bookmarklets?|hotkeys?|containers?|services?|programs?|agents?|runbooks?)\b",
    )
});

/// A passive verb earlier in the clause, which a verb joined to it shares
/// ("is interpolated into … and run").
static PASSIVE_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(is|are|gets?|get) (\w+ )?\w+(ed|en|ne)\b"));

/// The acts that make code of any value they are done to.
static RUN_AS_CODE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(run|executed|evaluated|eval'?d|interpreted)$"));

/// A value of the input, as a subject: a parameter in backticks, or "the
/// X parameter/value/field/argument".
static A_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"`[^`]{1,40}`( (value|string|field|parameter|argument|text))?|\bthe (\w+ )?(parameter|argument|field|value|input|string)\b",
    )
});

/// A conjunction or a relative word that opens a clause of its own.
static SUBORDINATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(when|whenever|if|after|before|once|while|and|but|or|until|so|because|unless)\b")
});

/// Inside what is ours: the server's process, the host, the backend.
static HERE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(server|servers|process|host|backend|service|worker|workers|tool|app|sandbox|container|vm|microvm|jail)$",
    )
});

/// The agent of a passive ("by the server", "by Home Assistant").
static BY_AGENT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\W*((\w+\W+){0,3}?)by (the |our |this |its )?([\w-]+(?:\.[\w-]+)*)"));

/// The tool, its server or its backend, named as a subject.
static OURS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(tool|server|servers|service|backend|host|worker|workers|mcp server|api|app|engine|platform|us|it|we|default|design|hand|name|id|itself)$",
    )
});

/// Somewhere else as where it runs, read anywhere in the act's object:
/// over SSH, inside another program, in a page once it loads.
static ELSEWHERE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(over|via|through) (ssh|winrm|rdp|telnet)\b|\b(inside|within) (the |a |an )?(?:\w+ )??(\w+)\b|\b(after|once|when|before) the page (loads|is loaded)\b|\bin the (page|browser|tab)\b|\bas (the )?(console|operator|op|rcon)\b|\bon the (\w+ )?(game|minecraft|factorio|valheim|terraria) server\b",
    )
});

/// Someone else named as the one running it, or somewhere else as where.
static BY_SOMEONE_ELSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(by|on|in|inside|within) (the |a |an |each |every |managed |remote |their |its )?(\w+ )?(runners?|cluster|nodes?|vms?|instances?|devices?|endpoints?|robots?|printers?|controllers?|kernels?|containers?|pods?|edge|browser|cloud-init|cron|crond|systemd|launchd|agents?|executors?|scheduler|sandbox|jobs?|sessions?|notebooks?|workspaces?|runtimes?|your (machine|computer|device|laptop|workstation|desktop)|(execute|compute|worker|remote|target|matching|managed|build|agent) (machines?|hosts?)|(that|the remote|a remote|each|every|those|these) (servers?|hosts?|machines?|nodes?|instances?)|(the )?user's (machine|computer|device))\b",
    )
});

/// The intransitive act of code that runs itself ("runs on the backend").
static INTRANSITIVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\W*($|on|as|before|after|when|whenever|at|server-side|first|too)\b"));

/// A run through something that only reads ("runs it through the Fountain
/// formatter"), or a noun ("the last run of").
static THROUGH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s+(of\b|through\b|[^.;,]{0,60}?\bthrough (the|a|an) [^.;,]{0,30}?(formatter|checker|linter|parser|validator|filter|converter|translator|analy[sz]er|pipeline|spell\w*|grammar))",
    )
});

/// A word pointing back to what the sentence before named.
static POINTS_BACK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(it|them|they|these|those|(that|this|the) (same |downloaded |attached |supplied |given )?(scripts?|code|snippets?|commands?|files?|payloads?|binar(y|ies)|programs?|modules?|plugins?|attachments?|updaters?|installers?)|the (downloaded|attached|supplied|given))\b",
    )
});

/// A noun pointed back to ("that script", "the downloaded file").
static POINTED_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b((that|this|these|those|the) (same |downloaded |attached |supplied |given )?(scripts?|code|snippets?|commands?|files?|payloads?|binar(y|ies)|programs?|modules?|plugins?|attachments?|updaters?|installers?)|the (downloaded|attached|supplied|given))\b",
    )
});

/// What keeps it from running on the tool's side: a sandbox, an isolated
/// machine, arguments as a list, no shell.
static CONTAINED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(sandbox\w*|isolated|ephemeral (vm|micro-?vm|container)|micro-?vm|firecracker|gvisor|wasm|webassembly|as (a |one |an? )?(single |separate )?(argument|argv|parameter)s?|argument (list|vector|array)|(never|not|no) (through|via|in|into|using|uses|invokes?|spawns?) (a |the )?(shell|subshell|bash|eval)|shell=false|without (a|the|any) shell)\b",
    )
});

/// A tool named for running, starting or installing things, for code or
/// queries, or for a place where code runs by design (a shell, a notebook,
/// a container, a pipeline, a browser page): running what it is given is
/// its job.
static NAMED_FOR_IT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(run|runs|runner|exec|execute|executor|launch|launcher|spawn|invoke|trigger|install|installer|deploy|eval|evaluate|shell|terminal|console|command|commands|cmd|script|scripts|code|repl|interpreter|python|bash|sql|query|ssh|notebooks?|kernels?|jupyter|cells?|pods?|containers?|docker|devcontainers?|kube|kubectl|k8s|vms?|sandbox(es)?|codesandbox|codespaces?|ci|pipelines?|workflows?|runners?|jobs?|tasks?|lambda|functions?|workers?|serverless|cron|schedules?|scheduler|playground|hooks?|plugins?|extensions?|addons?|macros?|automations?|rules?|browser|page|userscripts?|bookmarklets?|build|test|tests|make|bot|sessions?|ssm)\b",
    )
});

/// Whether `folded` says the caller's code runs on the tool's side: the
/// sentence that says so, and whether it names the host, a shell, root,
/// "arbitrary" or a download (an error) or only code run (a warning).
pub(crate) fn caller_code_runs<'a>(folded: &'a str, tool: &Tool) -> Option<(&'a str, bool)> {
    if !ACT.is_match(folded) || named_for_it(tool) {
        return None;
    }
    let params: Vec<String> = tool
        .parameters()
        .take(text::PARAMS_READ)
        .map(|(k, _)| text::fold(k, false))
        .filter(|k| k.len() >= 3 && folded.contains(k.as_str()))
        .collect();
    // Where the text's first sentence ends (at a full stop or a line
    // break, not a semicolon): what the tool says it is for.
    let job_end = folded
        .find(". ")
        .map_or(folded.len(), |i| i + 1)
        .min(folded.find('\n').unwrap_or(folded.len()));
    let browser = std::cell::OnceCell::new();
    let mut earlier: Option<Range<usize>> = None;
    for span in text::sentences(folded) {
        let before = earlier.replace(span.clone()).map(|e| &folded[e]);
        let sentence = &folded[span.clone()];
        // A sandbox said anywhere in the sentence contains what it runs.
        let contained_here = std::cell::OnceCell::new();
        for act in ACT.find_iter(sentence) {
            let Some(Read {
                text: read,
                object,
                value_run,
            }) = read_around(folded, &span, &act, before)
            else {
                continue;
            };
            // Something downloaded is code once it is what runs: named as
            // code, or pointed back to ("and then executes it").
            let downloaded = DOWNLOADS.is_match(&read)
                && (has_code(&read)
                    || POINTS_BACK.is_match(object)
                    || POINTS_BACK.is_match(act.as_str()));
            let code_act = CODE_ACT.is_match(act.as_str());
            let named_code = code_act || CODE_ACT.is_match(&read) || has_code(&read);
            // Whatever is piped to a shell or handed to `eval` runs there,
            // whoever wrote it; code only by being downloaded is the
            // caller's when the URL is ("from the given URL", "from the URL
            // in `source`").
            let given = if code_act || value_run {
                true
            } else if named_code {
                attached(&read, &CALLER) || params.iter().any(|p| source_named(&read, p))
            } else {
                URL_GIVEN.is_match(&read)
            };
            let code = named_code || downloaded || value_run;
            if !code
                || !given
                || OWN_CODE.is_match(&read)
                || contained(&read)
                || *contained_here.get_or_init(|| contained(sentence))
            {
                continue;
            }
            // An error when it says where it runs or how freely (the host,
            // root, a shell, "arbitrary"), when it is downloaded, or when
            // code by name comes from the caller by name; a warning when
            // only a value is said to be evaluated.
            // JavaScript the caller gives, in a text about a page or a
            // browser, runs in the page: a browser tool's job.
            if JAVASCRIPT.is_match(&read)
                && *browser.get_or_init(|| BROWSER.is_match(folded))
                && !HOST.is_match(&read)
            {
                continue;
            }
            // What the text says first is the tool's job: running code there
            // after another act ("Connects to the server you name and
            // spawns the command you give") is an error only when
            // arbitrary, on the host, in a shell, as root, downloaded, or
            // handed to `eval`; a text that opens with the
            // act ("Executes a script provided by the user") is read as any
            // other.
            let strong = if span.start < job_end && !sentence[..act.start()].trim().is_empty() {
                downloaded || code_act || FREELY.is_match(&read) || SHELL_OR_HOST.is_match(&read)
            } else {
                downloaded
                    || STRONG.is_match(&read)
                    || CODE_ACT.is_match(&read)
                    || (has_code(&read) && attached(&read, &BY_NAME))
            };
            return Some((sentence, strong));
        }
    }
    None
}

/// Whether `text` says the code is contained (a sandbox, an isolated VM,
/// an argument list), not that the containment is missing or elsewhere
/// ("there is no sandbox", "unlike a sandbox", "outside the sandbox").
fn contained(text: &str) -> bool {
    static MISSING: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(no|not|without|unlike|outside( of)?|instead of|rather than|never|escapes?( from)?|bypass\w*|disabl\w*|un-?)\W+((a|an|the|any|its|of)\W+)?(\w+\W+)?$",
        )
    });
    CONTAINED.find_iter(text).any(|m| {
        let lead = text::before(text, m.start(), 30);
        m.as_str().starts_with("never")
            || m.as_str().starts_with("not ")
            || m.as_str().starts_with("no ")
            || m.as_str().starts_with("without")
            || !MISSING.is_match(lead)
    })
}

/// Whether `read` names the parameter `p` as where code comes from: in
/// backticks or as a field or value ("the notes field"); a parameter
/// merely named in the clause ("enabled in the region") is not the source.
fn source_named(read: &str, p: &str) -> bool {
    read.match_indices(p).any(|(at, _)| {
        let lead = text::before(read, at, 12);
        let rest = &read[at + p.len()..];
        let word_ends = !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        word_ends
            && (lead.ends_with('`')
                || lead.ends_with('{')
                || [
                    " field",
                    " parameter",
                    " param",
                    " argument",
                    " value",
                    " key",
                    " option",
                    " input",
                    " string",
                ]
                .iter()
                .any(|w| rest.starts_with(w)))
    })
}

/// The caller named as the one who gives the code ("provided by the
/// user", "you supply", "caller-supplied").
static BY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(by|from) ((the |a |an )?(users?|callers?|client|model|agent|assistant|llm|requester)|you)\b|\b(you|the (users?|callers?|client|model|agent|assistant|llm)) ((may|can|must|should|will|might) (also )?)?(supplies|supply|give|gives|provides?|pass(es)?|sends?|puts?|includes?|attach(es)?|writes?|type|types|enter|enters)\b|\b(user|caller|model|client|agent|llm)-(supplied|provided|chosen|given|written|controlled|submitted)\b|\b(user's|caller's|model's|agent's) (own )?(\w+ )?(commands?|scripts?|code|snippets?|programs?)\b",
    )
});

/// The tool's own code, not the caller's ("our backup script", "its own
/// updater", "the built-in formatter").
static OWN_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(our|its own|the tool's|the server's|built-in|bundled|internal|predefined|fixed|vendored|shipped) (\w+ )?(\w+ )?(scripts?|code|programs?|binar(y|ies)|executables?|modules?|updaters?|installers?|commands?)\b",
    )
});

/// Code run without limits, which even a tool's stated job does not
/// excuse.
static FREELY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(arbitrary|unrestricted|unconstrained|whatever|anything|as root|any (shell |system |os )?commands?)\b",
    )
});

/// The caller let to run something by the tool ("you can run", "lets you
/// execute").
static LETS_YOU: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b((you|users|callers) (can|may)|(lets|allows|enables) (you|users|callers|the (user|caller|model))( to)?)\W+$",
    )
});

/// A shell, root, or the tool's own host as where it runs.
static SHELL_OR_HOST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(shell|sh|bash|zsh|powershell|cmd\.exe|root)\b|\b(on|in) (our|the|its|this) (server|host|backend|machine)s?\b|\bserver-side\b",
    )
});

/// JavaScript, by name.
static JAVASCRIPT: LazyLock<Regex> = LazyLock::new(|| re(r"\b(javascript|js)\b"));

/// A text about a page or a browser.
static BROWSER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(page|pages|browser|dom|tab|headless|chrome|chromium|firefox|webkit|playwright|puppeteer|selenium|bookmarklet|userscript)\b",
    )
});

/// The tool's own host named as where it runs.
static HOST: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(host|server|servers|server-side|backend|machine|root|node\.js|node)\b")
});

/// Whether `pattern` finds the caller in `read` as the source of the code,
/// not of the data the code works on ("runs the Whisper package on the
/// recording you send").
fn attached(read: &str, pattern: &Regex) -> bool {
    static ON_DATA: LazyLock<Regex> = LazyLock::new(|| {
        re(r"\b(on|to|against|over|for) (the |your |a |an |each |every )(\w+ ){0,2}$")
    });
    pattern
        .find_iter(read)
        .any(|m| !ON_DATA.is_match(text::before(read, m.start(), 40)))
}

/// What makes it an error: the host, root, a shell, arbitrary code.
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(host|server|servers|server-side|backend|machine|root|shell|sh|bash|os|arbitrary|unrestricted|unconstrained|free-form|whatever|anything|any|unsandboxed|not sandboxed|without (a |any )?sandbox\w*|no sandbox\w*|full access|child_process|subprocess|builtins|outside any container|no isolation|sandboxing (is )?(off|disabled|turned off))\b",
    )
});

/// Whether the tool is named for running things and says so where it says
/// what it does: a name alone ("calendar_tasks", "notes_plugin") does not
/// excuse a job of another kind ("Lists tasks.", "Saves notes.").
fn named_for_it(tool: &Tool) -> bool {
    static PLACE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(code|scripts?|commands?|snippets?|programs?|quer(y|ies)|sql|shell|terminal|console|notebooks?|kernels?|sandbox(es)?|containers?|pods?|vms?|pipelines?|workflows?|runners?|interpreter|repl|cron)\b",
        )
    });
    if !NAMED_FOR_IT.is_match(&text::fold(&tool.name, true)) {
        return false;
    }
    let description = tool.description.as_deref().unwrap_or("");
    let first = description
        .split(['.', '\n'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    let first = text::fold(first, false);
    first.is_empty() || ACT.is_match(&first) || PLACE.is_match(&first)
}

/// Whether a parameter's folded name says it holds a program the tool
/// runs (`init_script`, `command`, `code`), not a code of some domain
/// (`zip_code`, `currency_code`) nor a query.
pub(crate) fn holds_a_program(name: &str) -> bool {
    static PROGRAM: LazyLock<Regex> = LazyLock::new(|| {
        re(r"\b(code|script|scripts|command|commands|cmd|snippet|program|source)$")
    });
    static DOMAIN_CODE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(zip|postal|post|promo|currency|country|language|lang|iso|status|error|http|response|area|verification|auth|authorization|access|discount|coupon|airport|color|colour|product|region|state|tax|unit|qr|bar|item|sku|reference|confirmation|invite|otp|mfa|pin|activation|exit|return|phone|dial|locale|timezone|icao|iata|naics|sic|hs|postcode|country|voucher|gift|referral|tracking|share|device|pairing|one time|security|branch|department|cost|account|bank|swift|routing|sort|class|course|event|room|booking|ticket|order|invoice|promotion|source language|target language) code$",
        )
    });
    PROGRAM.is_match(name) && !DOMAIN_CODE.is_match(name)
}

/// Whether `read` names code that is not a domain's own command.
fn has_code(read: &str) -> bool {
    CODE.captures_iter(read).any(|c| match c.get(2) {
        Some(q) if c.get(3).is_some() => !DOMAIN.is_match(q.as_str()),
        _ => true,
    })
}

/// How far each side of an act its clause is looked for, in bytes.
const WINDOW: usize = 600;

/// What [`read_around`] gives for an act: the words to read for code and
/// the caller, the act's object, and whether a value of the input is what
/// is run ("the `region` value is evaluated").
struct Read<'a> {
    text: String,
    object: &'a str,
    value_run: bool,
}

/// Where the clause holding `at` begins and ends in `sentence`.
fn clause_bounds(sentence: &str, at: Range<usize>) -> Range<usize> {
    static BREAK: LazyLock<Regex> = LazyLock::new(|| re(r"[,;:()•。]|\s[-–—*+]\s|\s\d+[.)]\s"));
    let start = BREAK
        .find_iter(&sentence[..at.start])
        .last()
        .map_or(0, |b| b.end());
    let end = BREAK
        .find(&sentence[at.end..])
        .map_or(sentence.len(), |b| at.end + b.start());
    start..end
}

/// What to read for the code and the caller around the act `m` in the
/// sentence at `span` of `folded`, when the act is the tool's own,
/// affirmed and no mention: its clause; the clause before too when the
/// act has no object after it ("whatever command you put in `notes`, the
/// server runs"); the sentence before too when the clause points back
/// ("We execute that script"); and the act's object, the words after it
/// in its clause.
fn read_around<'a>(
    folded: &'a str,
    span: &Range<usize>,
    m: &regex::Match<'_>,
    before: Option<&'a str>,
) -> Option<Read<'a>> {
    let at = span.start + m.start();
    // Constant work per act however long its sentence: the clause is
    // looked for within WINDOW bytes each side.
    let whole = &folded[span.clone()];
    let low = whole.floor_char_boundary(m.start().saturating_sub(WINDOW));
    let high = whole.ceil_char_boundary((m.end() + WINDOW).min(whole.len()));
    let sentence = &whole[low..high];
    let mr = m.start() - low..m.end() - low;
    let before = before.map(|b| text::before(b, b.len(), 240));
    let nominal = ["execution", "execution of", "runner", "access"]
        .iter()
        .any(|n| m.as_str().ends_with(n));
    if text::negated_in_clause(folded, at) || (!nominal && THROUGH.is_match(&sentence[mr.end..])) {
        return None;
    }
    // "**run-statement**", `dry_run`: a name, not an act.
    let glued = |c: Option<char>| c.is_some_and(|c| c == '-' || c == '_' || c.is_alphanumeric());
    if glued(sentence[..mr.start].chars().next_back()) || glued(sentence[mr.end..].chars().next()) {
        return None;
    }
    let clause = clause_bounds(sentence, mr.clone());
    let subject = &sentence[clause.start..mr.start];
    let object = &sentence[mr.end..clause.end];
    // A mention ("flags tools that execute …", "such as …") is read in
    // the act's own clause, and a verb joined by "and" to one that observes
    // is an act of its own ("lists events and executes any command …").
    let joined = subject.trim_end().ends_with(" and") || subject.trim_end() == "and";
    // "You can run shell commands on our server through …": what the tool
    // lets the caller do, not someone else's capability.
    let lets_you = LETS_YOU.is_match(subject);
    if !joined
        && !lets_you
        && text::mentioned(&sentence[clause.start..mr.end], mr.start - clause.start)
    {
        return None;
    }
    // "has no access to the filesystem or to code execution".
    if nominal && text::NEGATION.is_match(text::before(sentence, mr.start, 60)) {
        return None;
    }
    // "The cluster downloads the deck and runs it": a verb joined to one
    // before shares its subject, which may be someone else.
    let joined_to_someone = || {
        BY_THE_TOOL
            .find(subject)
            .is_some_and(|b| !b.as_str().trim().is_empty() && b.start() > 0)
            && NAMED_SUBJECT
                .captures(&sentence[clause.start..])
                .is_some_and(|c| !OURS.is_match(&c[2]))
            && !PASSIVE_BEFORE.is_match(subject)
    };
    // "RUN instructions execute …", "run steps execute …": a noun before a
    // verb of its own, not the tool's act.
    let a_noun = || {
        ACT.find_iter(object).next().is_some_and(|v| {
            let lead = object[..v.start()].trim_end();
            !lead.is_empty()
                && !lead.ends_with(',')
                && !["and", "then", "or", "to", "also", "it", "and then"]
                    .iter()
                    .any(|w| lead.ends_with(&format!(" {w}")) || lead == *w)
                && lead.split_whitespace().count() <= 2
        })
    };
    // "Adds an ExecuteScript processor to the flow; it runs the script
    // provided by the user": "it" is what the tool made, not the tool.
    let what_it_made = || {
        PRONOUN.is_match(subject)
            && MADE.is_match(&format!(
                "{} {}",
                before.unwrap_or(""),
                &sentence[..clause.start]
            ))
    };
    // "… and run sam build to update it": a verb's bare form is an order to
    // the reader, unless a modal governs it ("the worker will run it") or
    // it opens the text ("Run the script …", a tool's own job).
    let bare = BARE.is_match(m.as_str());
    let ordered = || {
        bare && ORDER_LEAD.is_match(subject)
            && !(span.start + low == 0 && subject.trim().is_empty())
    };
    let by_the_tool = nominal
        || (BY_THE_TOOL.is_match(subject)
            && !joined_to_someone()
            && !a_noun()
            && !what_it_made()
            && !ordered());
    // The passive, or code as the subject of its own running: what runs is
    // the subject, so it must be code or point back to it.
    // "The path parameter is interpolated into … and run in a shell": a
    // verb joined to a passive is passive too.
    let passive = PASSIVE.is_match(subject)
        || (PASSIVE_BEFORE.is_match(subject) && BY_THE_TOOL.is_match(subject));
    // What runs is the subject of its own verb: the words after the last
    // conjunction ("VS Code runs the command … when the task is started":
    // the task).
    let own_subject = if PASSIVE.is_match(subject) {
        SUBORDINATE
            .find_iter(subject)
            .last()
            .map_or(subject, |c| &subject[c.end()..])
    } else {
        // A verb joined to a passive shares its subject ("The path
        // parameter is interpolated into … and run").
        subject
    };
    let its_own = || {
        (passive || INTRANSITIVE.is_match(object))
            && (has_code(own_subject)
                || POINTS_BACK.is_match(own_subject)
                || CODE_ACT.is_match(m.as_str())
                || CODE_ACT.is_match(object)
                || (passive && RUN_AS_CODE.is_match(m.as_str()) && A_VALUE.is_match(own_subject)))
    };
    // "are run by Home Assistant", "by CMake": the passive with someone
    // else as the agent.
    let by_another = || {
        BY_AGENT
            .captures(object)
            .is_some_and(|c| !OURS.is_match(c.get(4).map_or("", |w| w.as_str())))
    };
    let elsewhere = || {
        ELSEWHERE
            .captures_iter(object)
            .any(|c| c.get(5).is_none_or(|w| !HERE.is_match(w.as_str())))
    };
    if !(by_the_tool || its_own())
        || BY_SOMEONE_ELSE.is_match(object)
        || elsewhere()
        || (passive && by_another())
    {
        return None;
    }
    // "The `region` value is evaluated": the caller's value run as code.
    let value_run = passive && RUN_AS_CODE.is_match(m.as_str()) && A_VALUE.is_match(subject);
    let mut read = String::new();
    // The sentence before is read when the act points back to it: in its
    // object ("executes it"), by a noun ("that script"), or as the subject
    // of a passive ("It is then executed"); not "It also runs …", where
    // "it" is the tool.
    let points_back = POINTS_BACK.is_match(object)
        || POINTS_BACK.is_match(m.as_str())
        || POINTED_NOUN.is_match(subject)
        || (passive && PRONOUN.is_match(own_subject));
    if let Some(before) = before
        && points_back
    {
        read.push_str(text::before(before, before.len(), 240));
        read.push(' ');
    }
    if object.split_whitespace().count() < 3 {
        let lead = sentence[..clause.start]
            .trim_end_matches([',', ';', ':', '(', ')', ' ', '-', '–', '—']);
        let previous = clause_bounds(lead, lead.len()..lead.len());
        read.push_str(&lead[previous]);
        read.push(' ');
    }
    read.push_str(&sentence[clause]);
    Some(Read {
        text: read,
        object,
        value_run,
    })
}

#[cfg(test)]
mod tests {
    use crate::tools::scan::test_support::hits;
    use serde_json::json;

    /// The codes reported for a tool of this name, description and
    /// parameters (each `name: description`).
    fn scanned(name: &str, text: &str, params: &[(&str, &str)]) -> Vec<String> {
        let properties: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, d)| ((*k).to_owned(), json!({"type": "string", "description": d})))
            .collect();
        hits(json!({
            "name": name,
            "description": text,
            "inputSchema": {"type": "object", "properties": properties},
        }))
        .into_iter()
        .map(|h| h.split(' ').next().unwrap_or("").to_owned())
        .collect()
    }

    /// What the rule itself says of the tool's description, or of its
    /// parameters' descriptions (those named for a program they hold, which
    /// the scan leaves out).
    fn said(name: &str, text: &str, params: &[(&str, &str)]) -> Option<(String, bool)> {
        let properties: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, d)| ((*k).to_owned(), json!({"type": "string", "description": d})))
            .collect();
        let tool = crate::tools::listing::tool_from_value(
            &json!({"name": name, "description": text, "inputSchema": {"type": "object", "properties": properties}}),
            "",
        )
        .unwrap();
        let mut texts = vec![text.to_owned()];
        texts.extend(
            params
                .iter()
                .filter(|(k, _)| !super::holds_a_program(&super::text::fold(k, true)))
                .map(|(_, d)| (*d).to_owned()),
        );
        texts.iter().find_map(|t| {
            super::caller_code_runs(&super::text::fold(t, false), &tool)
                .map(|(s, strong)| (s.to_owned(), strong))
        })
    }

    #[test]
    fn the_callers_code_run_by_a_tool_of_another_job_is_an_error() {
        for (name, text, params) in [
            (
                "currency_convert",
                "Converts currencies. Unrestricted commands in the memo are executed on the host.",
                &[("memo", "Memo.")][..],
            ),
            (
                "spell_check",
                "Checks spelling. The service will execute custom commands that you include after the text.",
                &[],
            ),
            (
                "timezone_convert",
                "Converts a time between zones. Any snippet included in the label runs on the backend.",
                &[("label", "Label.")],
            ),
            (
                "csv_to_json",
                "Converts CSV to JSON. You may attach a script. We execute that script on the backend.",
                &[],
            ),
            (
                "format_json",
                "Formats JSON. The caller may give a snippet of Python. That snippet gets evaluated on the server.",
                &[],
            ),
            (
                "get_weather",
                "Returns the forecast. Whatever shell command you put in `notes`, the server runs.",
                &[("notes", "Notes.")],
            ),
            (
                "word_count",
                "Counts words. Arbitrary commands, which the backend executes, may be appended to the text.",
                &[],
            ),
            (
                "translate_text",
                "Translates text. Also offers arbitrary code execution through the glossary parameter.",
                &[("glossary", "Glossary.")],
            ),
            (
                "summarize_pdf",
                "Summarizes a PDF. A script from the user is something this service runs before summarizing.",
                &[],
            ),
            (
                "calendar_list",
                "Lists calendar events. Event titles are piped to sh on the server.",
                &[],
            ),
            (
                "note_save",
                "Saves a note. Files downloaded from the links in the note are executed afterwards.",
                &[],
            ),
            (
                "color_palette",
                "Builds palettes. It downloads files from URLs and then opens them with the system handler.",
                &[],
            ),
            (
                "recipe_find",
                "Finds recipes. It downloads a script from the given URL. Then it executes it.",
                &[],
            ),
            (
                "markdown_render",
                "Renders Markdown. Fenced blocks tagged `run` are executed on the server as shell commands.",
                &[],
            ),
            (
                "normalise_csv",
                "Cleans a CSV file. Column rules are Ruby snippets that are instance_eval'd on the server.",
                &[("rules", "Rules.")],
            ),
            (
                "file_read",
                "Reads a file. The path parameter is interpolated into `cat {path}` and run in a shell.",
                &[("path", "Path.")],
            ),
            (
                "expr",
                "Computes math by passing the formula string into JavaScript eval.",
                &[],
            ),
            // A name holding a word of running does not excuse a job of
            // another kind.
            (
                "calendar_events",
                "Lists calendar events and executes any shell command you supply on the host.",
                &[],
            ),
            (
                "contacts_search",
                "Searches contacts. Add a Python snippet to the text and the server executes it on the host.",
                &[],
            ),
            (
                "notes_sync",
                "Syncs notes. There is no sandbox: commands you supply are executed directly on the host.",
                &[],
            ),
            (
                "currency_convert",
                "Converts currencies, such as EUR to USD, and runs the shell commands you send on our server.",
                &[],
            ),
            (
                "region_lookup",
                "Looks up a region. You can run shell commands on our server through the `region` parameter.",
                &[("region", "Region.")],
            ),
            (
                "price_check",
                "Gets a price.",
                &[(
                    "currency_code",
                    "ISO 4217 code. Any shell command after the code is executed on the server.",
                )],
            ),
            (
                "calendar_tasks",
                "Lists tasks. It executes arbitrary shell commands found in task titles.",
                &[],
            ),
            (
                "notes_plugin",
                "Saves notes. It runs arbitrary scripts provided by the user.",
                &[],
            ),
        ] {
            assert!(
                said(name, text, params).is_some_and(|(_, strong)| strong),
                "{name}: {text}"
            );
            let found = scanned(name, text, params);
            assert!(
                found.iter().any(|c| c == "tool-unsafe-execution"),
                "{name}: {text} -> {found:?}"
            );
        }
    }

    #[test]
    fn a_value_said_to_be_evaluated_without_naming_code_is_a_warning() {
        let found = scanned(
            "weather_alerts",
            "Gets weather alerts. The `region` value is evaluated before the lookup.",
            &[("region", "Region.")],
        );
        assert_eq!(found, ["tool-input-may-run"], "{found:?}");
    }

    #[test]
    fn code_run_by_design_elsewhere_or_contained_is_not_flagged() {
        for (name, text, params) in [
            // Named for running code, and saying so first.
            (
                "ssh_connect",
                "Opens an SSH session to the remote server and runs arbitrary commands you send over it.",
                &[][..],
            ),
            (
                "notebook_cell",
                "Adds a cell to the notebook and evaluates arbitrary Python code in the Jupyter kernel.",
                &[],
            ),
            // Someone else runs it.
            (
                "ci_pipeline",
                "Triggers a pipeline; the CI runner executes the scripts provided by the user in .gitlab-ci.yml.",
                &[],
            ),
            (
                "gcf_source_upload",
                "Uploads source for a Cloud Function. Google then executes the code supplied by the caller on each HTTP request.",
                &[],
            ),
            (
                "simulation_submit",
                "Queues a simulation; the cluster downloads the input deck from the given URL and runs it with OpenFOAM.",
                &[],
            ),
            (
                "queue_report",
                "Queues a report. The script provided by the user is run by the CI runner on each push.",
                &[],
            ),
            (
                "add_cron_job",
                "Adds a cron job. The `command` value is run by cron at the times given in `schedule`.",
                &[("command", "Command."), ("schedule", "Schedule.")],
            ),
            (
                "nifi_processor_add",
                "Adds an ExecuteScript processor to the NiFi flow; it runs the script provided by the user on every flow file.",
                &[],
            ),
            // Contained, or only read.
            (
                "sandbox_session",
                "Runs arbitrary code in an isolated Firecracker microVM.",
                &[],
            ),
            (
                "screenplay_format",
                "Formats a screenplay; it runs the script provided by the user through the Fountain formatter.",
                &[],
            ),
            (
                "dockerfile_lint",
                "Lints a Dockerfile. RUN instructions execute arbitrary commands at build time; the linter only parses them.",
                &[],
            ),
            // A command of a domain of its own, a tool's own fixed command.
            (
                "voice_assistant_handle",
                "Executes the voice command provided by the user, such as turning on the kitchen lights.",
                &[],
            ),
            (
                "list_schemas",
                "This tool runs the SHOW SCHEMAS command to discover all schemas that the user has access to in the specified database.",
                &[],
            ),
            // An order to the reader, a negation, a mention, a name.
            (
                "sam_build",
                "Builds the app. Instead, update your original source code in your project folder and run sam build to update the output.",
                &[],
            ),
            (
                "template_preview",
                "Previews a Liquid template. Liquid has no access to the filesystem or to code execution.",
                &[],
            ),
            (
                "safety_check",
                "Flags tools that execute arbitrary commands supplied by the user.",
                &[],
            ),
            (
                "manage_statements",
                "Manages statements. Operations: **run-statement** starts a statement in the user's session.",
                &[],
            ),
            // Provenance, not running.
            (
                "list_streams",
                "Lists streams. Data is sourced from an existing Kinesis stream you name.",
                &[],
            ),
            // A parameter named for the code it holds.
            (
                "navigate_page",
                "Goes to a URL.",
                &[(
                    "initScript",
                    "A JavaScript script to be executed on each new document before any other scripts.",
                )],
            ),
            // Downloaded, but from no URL the caller gives.
            (
                "modpack_sync",
                "Downloads the mods listed in the modpack manifest from their URLs and then starts the server with them.",
                &[],
            ),
            // From a review: the tool's own program on the caller's data,
            // "it" as the tool, a topic, a hand-off that runs nothing,
            // someone else's runtime, a browser page, a remote host.
            (
                "audio_transcribe",
                "Transcribes audio. We run the Whisper Python package on the recording you send.",
                &[],
            ),
            (
                "weather_backup",
                "Returns the weather for any city you name. It also runs the nightly backup script on the host.",
                &[],
            ),
            (
                "offboard_user",
                "Offboards a user: disables their SSO account and revokes shell access to all servers.",
                &[],
            ),
            (
                "print_file",
                "Prints your document. It hands the print job to the operating system's print spooler.",
                &[],
            ),
            (
                "blender_render",
                "Renders a .blend scene in background mode; an optional Python script you pass is run inside Blender before rendering.",
                &[],
            ),
            (
                "home_automation",
                "Lists automations. Scripts you write are run by Home Assistant when their trigger fires.",
                &[],
            ),
            (
                "playwright_navigate",
                "Navigates to a URL and, if given, runs the JavaScript you supply after the page loads.",
                &[],
            ),
            (
                "remote_admin",
                "Administers a remote Linux server. Commands you send are executed on that server over SSH.",
                &[],
            ),
            (
                "vscode_task_add",
                "Adds a task to .vscode/tasks.json; VS Code runs the command provided by the user when the task is started.",
                &[],
            ),
        ] {
            assert_eq!(said(name, text, params), None, "{name}: {text}");
            let found = scanned(name, text, params);
            assert!(
                !found.iter().any(|c| c == "tool-unsafe-execution"),
                "{name}: {text} -> {found:?}"
            );
        }
    }

    #[test]
    fn a_long_sentence_of_acts_costs_constant_work_per_act() {
        // Every act reads a bounded window around it: a 200 kB sentence of
        // them is scanned, and the one that says the caller's code runs is
        // found at its end.
        let text = format!(
            "Counts words{}, and it also runs arbitrary commands you send on the host.",
            ", it runs it".repeat(16_000)
        );
        let found = scanned("word_count", &text, &[]);
        assert!(
            found.iter().any(|c| c == "tool-unsafe-execution"),
            "{found:?}"
        );
    }
}
