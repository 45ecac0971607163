# data.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'data.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'data.html.j2')
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
    l_0_confirm = resolve('confirm')
    l_0_reader = resolve('reader')
    l_0_token = resolve('token')
    pass
    yield '\n'
    if (undefined(name='confirm') if l_0_confirm is missing else l_0_confirm):
        pass
        yield '\n<p>This erases everything we store about <strong>'
        yield escape(environment.getattr((undefined(name='reader') if l_0_reader is missing else l_0_reader), 'email'))
        yield '</strong>: your address, your name, your choices and the record of your consent. You will get no more digests, and this cannot be undone.</p>\n<p>We keep only a scrambled form of the address (it cannot be read back) marked “erased”, so we never mail it again unless you sign up afresh.</p>\n<form method="post" action="../erase/'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '">\n<button type="submit">Yes, erase my data</button>\n</form>\n<p><a href="'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '">No, keep my data</a></p>\n'
    else:
        pass
        yield '\n<p>The data we keep for <strong>'
        yield escape(environment.getattr((undefined(name='reader') if l_0_reader is missing else l_0_reader), 'email'))
        yield '</strong>.</p>\n<p><a href="../export/'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '">Download everything we store about you</a> (JSON).</p>\n<form method="get" action="'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '">\n<input type="hidden" name="step" value="erase">\n<button type="submit" class="quiet">Erase my data and unsubscribe…</button>\n</form>\n'
    yield '\n'

blocks = {'content': block_content}
debug_info = '1=12&2=17&3=29&4=32&6=34&9=36&11=41&12=43&13=45'

SOURCE_SHA256 = 'd9657d7bb26393ce6a29a97f316bfdb4c5b714ee986f3481be3fcc63da27b699'
