# preferences.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'preferences.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'preferences.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_reader = resolve('reader')
    l_0_token = resolve('token')
    l_0_sections = resolve('sections')
    l_0_send_day = resolve('send_day')
    l_0_timezone = resolve('timezone')
    l_0_unsubscribe_token = resolve('unsubscribe_token')
    pass
    yield '\n<p>Your subscription for <strong>'
    yield escape(environment.getattr((undefined(name='reader') if l_0_reader is missing else l_0_reader), 'email'))
    yield '</strong> is <strong>'
    yield escape(environment.getattr(environment.getattr((undefined(name='reader') if l_0_reader is missing else l_0_reader), 'status'), 'value'))
    yield '</strong>.</p>\n<form method="post" action="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '">\n<label for="name">Name</label>\n<input id="name" name="name" type="text" maxlength="200" autocomplete="name" value="'
    yield escape((environment.getattr((undefined(name='reader') if l_0_reader is missing else l_0_reader), 'name') or ''))
    yield '">\n<fieldset>\n<legend>Sections (leave all unticked for everything)</legend>\n'
    for (l_1_key, l_1_label) in (undefined(name='sections') if l_0_sections is missing else l_0_sections):
        l_1_chosen = resolve('chosen')
        _loop_vars = {}
        pass
        yield '<label><input type="checkbox" name="sections" value="'
        yield escape(l_1_key)
        yield '"'
        if (l_1_key in (undefined(name='chosen') if l_1_chosen is missing else l_1_chosen)):
            pass
            yield ' checked'
        yield '> '
        yield escape(l_1_label)
        yield '</label>\n'
    l_1_key = l_1_label = l_1_chosen = missing
    yield '\n</fieldset>\n<label for="frequency">How often</label>\n<select id="frequency" name="frequency"><option value="weekly" selected>Weekly, every '
    yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
    yield '</option></select>\n<label for="timezone">Time zone (start typing a city, for instance Europe/London)</label>\n<input id="timezone" name="timezone" type="text" maxlength="64" value="'
    yield escape(((undefined(name='timezone') if l_0_timezone is missing else l_0_timezone) or ''))
    yield '" list="zones" autocomplete="off">\n'
    template = environment.get_template('zones.html.j2', 'preferences.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield '\n<button type="submit">Save preferences</button>\n</form>\n<h2>Your data</h2>\n<p>To download everything we store about you, or to erase it, we mail you a link that works for 24 hours.</p>\n<form method="post" action="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '/data-link">\n<button type="submit" class="quiet">Mail me a link to my data</button>\n</form>\n'
    if (undefined(name='unsubscribe_token') if l_0_unsubscribe_token is missing else l_0_unsubscribe_token):
        pass
        yield '\n<h2>Leave</h2>\n<form method="post" action="../unsubscribe/'
        yield escape((undefined(name='unsubscribe_token') if l_0_unsubscribe_token is missing else l_0_unsubscribe_token))
        yield '">\n<input type="hidden" name="List-Unsubscribe" value="One-Click">\n<button type="submit" class="quiet">Unsubscribe</button>\n</form>\n'
    yield '\n'

blocks = {'content': block_content}
debug_info = '1=12&2=17&3=32&4=36&6=38&9=40&13=55&15=57&16=59&21=66&24=68&26=71'

SOURCE_SHA256 = 'b07d70996902a152dd00da96c15935f048850fb0ccea2994dc85ea3ef9fe5f5b'
