# desk_subscribers.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'desk_subscribers.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'desk_subscribers.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_width(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '64rem'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '\n  table { width: 100%; border-collapse: collapse; font-family: Helvetica, Arial, sans-serif; font-size: .9rem; }\n  th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #ddd; vertical-align: top; }\n  td form { display: inline; }\n  td button { margin: 0 .2rem .2rem 0; padding: .25rem .5rem; font-size: .85rem; }\n  .wide { overflow-x: auto; }\n  .inline { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }\n  .inline > * { flex: 1 1 10rem; }\n  .inline button { flex: 0 0 auto; margin-top: 0; }\n  textarea { width: 100%; box-sizing: border-box; font: .9rem monospace; }\n  nav.desk a { margin-right: 1rem; font-family: Helvetica, Arial, sans-serif; }\n  @media (max-width: 40rem) { .hide-narrow { display: none; } }\n'

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_token = resolve('token')
    l_0_counts = resolve('counts')
    l_0_report = resolve('report')
    l_0_search = resolve('search')
    l_0_statuses = resolve('statuses')
    l_0_readers = resolve('readers')
    l_0_next_cursor = resolve('next_cursor')
    l_0_chosen = resolve('chosen')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['urlencode']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'urlencode' found.")
    pass
    yield '\n<nav class="desk" aria-label="Desk"><a href="../'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '">Editions</a><a href="subscribers" aria-current="page">Readers</a></nav>\n<p data-testid="counts">'
    yield escape(environment.getattr((undefined(name='counts') if l_0_counts is missing else l_0_counts), 'confirmed'))
    yield ' confirmed · '
    yield escape(environment.getattr((undefined(name='counts') if l_0_counts is missing else l_0_counts), 'pending'))
    yield ' waiting to confirm · '
    yield escape(environment.getattr((undefined(name='counts') if l_0_counts is missing else l_0_counts), 'unsubscribed'))
    yield ' unsubscribed · '
    yield escape(environment.getattr((undefined(name='counts') if l_0_counts is missing else l_0_counts), 'suppressed'))
    yield ' suppressed (bounces, complaints) · '
    yield escape(environment.getattr((undefined(name='counts') if l_0_counts is missing else l_0_counts), 'erased'))
    yield ' erased</p>\n'
    if (undefined(name='report') if l_0_report is missing else l_0_report):
        pass
        yield '<div class="notice" role="status">Imported '
        yield escape(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'imported'))
        yield ', unchanged '
        yield escape(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'unchanged'))
        yield ', not imported '
        yield escape(t_1(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'errors')))
        yield '.\n'
        if environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'errors'):
            pass
            yield '<ul>'
            for l_1_e in environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'errors')[:20]:
                _loop_vars = {}
                pass
                yield '<li>'
                yield escape(l_1_e)
                yield '</li>'
            l_1_e = missing
            yield '</ul>'
        yield '</div>'
    yield '\n<form method="get" action="subscribers" class="inline" role="search">\n<div><label for="q">Find an address or name</label><input id="q" name="q" type="text" maxlength="100" value="'
    yield escape((undefined(name='search') if l_0_search is missing else l_0_search))
    yield '"></div>\n<div><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>'
    for l_1_s in (undefined(name='statuses') if l_0_statuses is missing else l_0_statuses):
        _loop_vars = {}
        pass
        yield '<option value="'
        yield escape(l_1_s)
        yield '"'
        if (l_1_s == (undefined(name='chosen') if l_0_chosen is missing else l_0_chosen)):
            pass
            yield ' selected'
        yield '>'
        yield escape(l_1_s)
        yield '</option>'
    l_1_s = missing
    yield '</select></div>\n<button type="submit">Search</button>\n</form>\n'
    if (undefined(name='readers') if l_0_readers is missing else l_0_readers):
        pass
        yield '\n<div class="wide"><table>\n<thead><tr><th scope="col">Reader</th><th scope="col">Status</th><th scope="col" class="hide-narrow">Since</th><th scope="col"><span class="hp">Actions</span></th></tr></thead>\n<tbody>\n'
        for l_1_reader in (undefined(name='readers') if l_0_readers is missing else l_0_readers):
            _loop_vars = {}
            pass
            yield '<tr data-reader="'
            yield escape(environment.getattr(l_1_reader, 'id'))
            yield '">\n<td>'
            yield escape((environment.getattr(l_1_reader, 'email') or '(erased)'))
            if environment.getattr(l_1_reader, 'name'):
                pass
                yield '<br><span class="note">'
                yield escape(environment.getattr(l_1_reader, 'name'))
                yield '</span>'
            yield '</td>\n<td>'
            yield escape(environment.getattr(environment.getattr(l_1_reader, 'status'), 'value'))
            yield '</td>\n<td class="hide-narrow">'
            yield escape(context.call(environment.getattr(context.call(environment.getattr(environment.getattr(l_1_reader, 'created'), 'date'), _loop_vars=_loop_vars), 'isoformat'), _loop_vars=_loop_vars))
            yield '</td>\n<td>'
            if (environment.getattr(environment.getattr(l_1_reader, 'status'), 'value') in ('confirmed', 'pending')):
                pass
                yield '<form method="post" action="subscribers"><input type="hidden" name="action" value="unsubscribe"><input type="hidden" name="reader" value="'
                yield escape(environment.getattr(l_1_reader, 'id'))
                yield '"><button type="submit" class="quiet">Unsubscribe</button></form>'
            yield '\n'
            if (environment.getattr(environment.getattr(l_1_reader, 'status'), 'value') != 'erased'):
                pass
                yield '<details><summary class="note">Erase…</summary><form method="post" action="subscribers"><input type="hidden" name="action" value="erase"><input type="hidden" name="reader" value="'
                yield escape(environment.getattr(l_1_reader, 'id'))
                yield '"><button type="submit">Erase '
                yield escape(environment.getattr(l_1_reader, 'email'))
                yield ' for good</button></form></details>'
            yield '</td>\n</tr>'
        l_1_reader = missing
        yield '\n</tbody></table></div>\n'
        if (undefined(name='next_cursor') if l_0_next_cursor is missing else l_0_next_cursor):
            pass
            yield '<p><a href="subscribers?cursor='
            yield escape(t_2((undefined(name='next_cursor') if l_0_next_cursor is missing else l_0_next_cursor)))
            yield '&amp;q='
            yield escape(t_2((undefined(name='search') if l_0_search is missing else l_0_search)))
            yield '&amp;status='
            yield escape((undefined(name='chosen') if l_0_chosen is missing else l_0_chosen))
            yield '">Next page</a></p>'
        yield '\n'
    else:
        pass
        yield '<p>No readers match.</p>'
    yield '\n<h2>Add a reader</h2>\n<p class="note">Only someone who asked for the newsletter: you vouch for their consent, and it is recorded as given to you.</p>\n<form method="post" action="subscribers" class="inline">\n<input type="hidden" name="action" value="add">\n<div><label for="email">Email address</label><input id="email" name="email" type="email" required maxlength="320"></div>\n<div><label for="name">Name (optional)</label><input id="name" name="name" type="text" maxlength="200"></div>\n<button type="submit">Add</button>\n</form>\n<h2>Import and export</h2>\n<p><a href="subscribers.csv" download>Download every reader as CSV</a> (with when, where and under which policy each agreed).</p>\n<form method="post" action="subscribers" enctype="multipart/form-data">\n<input type="hidden" name="action" value="import">\n<p class="note">CSV to import: a header row with email, and any of name, sections, timezone, status, consent_at, consent_source, policy_version.</p>\n<div><label for="csv_file">A CSV file (UTF-8, up to 5 MB)</label><input id="csv_file" name="csv_file" type="file" accept=".csv,text/csv"></div>\n<div><label for="csv">or paste it here</label>\n<textarea id="csv" name="csv" rows="5"></textarea></div>\n<button type="submit">Import</button>\n</form>\n'

blocks = {'width': block_width, 'style': block_style, 'content': block_content}
debug_info = '1=12&2=17&3=27&16=37&17=66&18=68&19=78&20=87&22=100&23=102&26=116&30=119&31=125&32=132&33=134&34=136&35=142&38=152'

SOURCE_SHA256 = '9ae848ee050fa338b21c89f125b3fd9e61461ecf3d868fad72912161338374cd'
